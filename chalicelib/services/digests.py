"""Send escalation digests: the hour (or the day, at the daily time) that just ended, plus every earlier window
still owed -> per audience with recipients, the notices it received in that window and their complaints now ->
one email, only when there is something to report, claimed first so a retried or overlapping invocation never
sends it twice. A claimed window stays on the retry list until its email is sent, so a failed send (or a run
that died) is retried by the next run until it goes out."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chalicelib.domain.digest import digest_entries, hourly_slots
from chalicelib.domain.digest_render import MAX_ENTRIES, render
from chalicelib.domain.errors import Unavailable
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.vocabulary import DigestKind
from chalicelib.ports import Claims, Mailer, NoticeLog

log = logging.getLogger(__name__)


@dataclass
class DigestReport:
    """What one invocation did."""

    window: str = ""
    sent: dict[str, int] = field(default_factory=dict)
    empty: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    retried: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Window:
    """A digest window: its kind, the instants it covers, and its key (`{kind}#{the hour or day it ends}`, the
    claim name that makes it go out once)."""

    kind: DigestKind
    start: datetime
    end: datetime
    key: str

    @classmethod
    def ending(cls, kind: DigestKind, start: datetime, end: datetime) -> Window:
        """The window of `kind` from `start` to `end` (local time, on the hour)."""
        stamp = f"{end:%Y-%m-%d}" if kind == DigestKind.DAILY else f"{end:%Y-%m-%dT%H}"
        return cls(kind, start, end, f"{kind.value}#{stamp}")

    def facts(self) -> dict[str, str]:
        """What a retry marker keeps of the window (its kind is its key's first part)."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_facts(cls, key: str, facts: dict[str, str]) -> Window | None:
        """The window a retry marker names, or None if the marker is not a digest window's."""
        prefix, hash_sign, _ = key.partition("#")
        if not hash_sign or prefix not in set(DigestKind):
            return None
        kind = DigestKind(prefix)
        return cls(kind, datetime.fromisoformat(facts["start"]), datetime.fromisoformat(facts["end"]), key)


@dataclass(eq=False)
class DigestService:
    """One scheduled invocation of the digest emails."""

    store: NoticeLog
    claims: Claims
    mailer: Mailer
    policies: PolicySet
    base_url: str

    def window(self, now: datetime) -> Window | None:
        """The window due at `now`: the daily summary at the daily hour, else the hour just ended if the
        hourly calendar was open in it (reaching back over closed hours), else none."""
        spec = self.policies.file.digests
        local = now.astimezone(self.policies.display.tz)
        hour_end = local.replace(minute=0, second=0, microsecond=0)
        if spec.daily_at is not None and hour_end.hour == int(spec.daily_at[:2]):
            return Window.ending(DigestKind.DAILY, hour_end - timedelta(days=1), hour_end)
        if spec.hourly_calendar is None:
            return None
        due, start = hourly_slots(self.policies.calendars[spec.hourly_calendar], hour_end)
        if not due:
            return None
        return Window.ending(DigestKind.HOURLY, start, hour_end)

    def run(self, now: datetime) -> DigestReport:
        """Send the digests due at `now` and those still owed from earlier windows, each at most once."""
        window = self.window(now)
        report = DigestReport(window="" if window is None else window.key)
        recipients = {
            audience.value: people for audience, people in self.policies.file.digests.recipients.items() if people
        }
        owed: list[tuple[str, Window]] = []
        for facts in self.claims.owed():
            earlier = Window.from_facts(facts["name"], facts)
            if earlier is not None and facts["scope"] in recipients:
                owed.append((facts["scope"], earlier))
        for audience, earlier in owed:
            if window is None or earlier.key != window.key:
                report.retried.append(f"{earlier.key}.{audience}")
                self._send(audience, recipients[audience], earlier, now, report, owed=True)
        if window is not None:
            for audience, people in recipients.items():
                self._send(audience, people, window, now, report, owed=False)
        return report

    def _send(
        self, audience: str, recipients: list[str], window: Window, now: datetime, report: DigestReport, owed: bool
    ) -> None:
        notices = self.store.notices_for(audience, window.start, window.end)
        complaints = self.store.complaints(sorted({n.complaint_id for n in notices})) if notices else {}
        entries = digest_entries(notices, complaints, now, self.policies, self.base_url)
        if not entries:
            report.empty.append(audience)
            if owed:
                self.claims.forget(audience, window.key)
            return
        if not self.claims.claim(audience, window.key, now, retry=window.facts()):
            report.skipped.append(audience)
            return
        email = render(audience, window.kind, entries, (window.start, window.end), self.policies.file.language)
        try:
            message_id = self.mailer.send(recipients, email, f"{window.key}.{audience}", now)
        except Unavailable:
            self.claims.release(audience, window.key)
            report.failed.append(audience)
            log.warning("digest %s for %s not sent; the next run retries it", window.key, audience)
            return
        listed = min(len(entries), MAX_ENTRIES)
        self.claims.done(audience, window.key, now, {"message_id": message_id, "entries": listed})
        report.sent[audience] = listed
