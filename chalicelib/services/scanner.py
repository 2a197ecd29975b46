"""Scan what is due: due index (per shard, next_due <= now) -> notices each complaint owes (pure) -> claimed
with the complaint's new next_due in one conditional transaction -> published under storm control (the
`Publisher`: on their own, or counted into their audience's roll-up) -> marked sent, or left pending for the next
run; roll-ups of windows that are over are published once. Overlapping runs are safe: conditional writes decide
who sends.

Notices owed on events (a policy's notify rules, the resolve of a notified clock) are written by intake and the
workflow with their own change and published through the same publisher; whatever is not delivered stays pending,
and a scan delivers it.

With precision timers (chalicelib/services/timers.py), the same index queries also read what comes due within the
lookahead, and the run arms a timer for each threshold no earlier run armed; `fire` takes the timers as they come
due and handles each complaint exactly as a run does (the same conditional claim, the same publisher), so a timer
and a run racing for one threshold produce one notice.

Each complaint is evaluated on its own: one that cannot be read or evaluated is quarantined (the reason is
recorded on it, the operator is told once, it is retried later) and the run goes on with the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from chalicelib.domain.model import Complaint
from chalicelib.domain.notices import Notice, notice_events, owed_notices
from chalicelib.domain.operator import Quarantine, describe_failure, quarantine_notice, quarantined
from chalicelib.domain.policy import PolicySet
from chalicelib.ports import (
    TIMER_EARLY,
    Clock,
    ComplaintStore,
    DueComplaint,
    DueIndex,
    DueNotice,
    DueRollUp,
    DueUnreadable,
    Outgoing,
    Timer,
    UnreadableComplaint,
)
from chalicelib.services.operator import OperatorAlerts
from chalicelib.services.publisher import Publisher
from chalicelib.services.timers import Timers

log = logging.getLogger(__name__)
FLUSH_AT = 50
EARLY_ATTEMPTS = 3  # a timer that keeps arriving before its threshold is reached is left to the scan


@dataclass
class ScanReport:
    """What one run did; logged as JSON and turned into metrics."""

    complaints: int = 0
    claimed: int = 0
    lost_races: int = 0
    notices: int = 0
    retried: int = 0
    delivered: int = 0
    failed: int = 0
    rolled_up: int = 0
    rollups: int = 0
    rollups_failed: int = 0
    quarantined: int = 0
    pending_notices: int = 0
    oldest_pending_seconds: float = 0.0
    lag_seconds: float = 0.0
    duration_seconds: float = 0.0
    stopped_early: bool = False
    timers: int = 0
    armed: int = 0

    def as_dict(self) -> dict[str, int | float | bool]:
        return asdict(self)


@dataclass(eq=False)
class Scanner:
    """One scheduled run over the due index."""

    index: DueIndex
    publisher: Publisher
    operator: OperatorAlerts
    policies: PolicySet
    base_url: str
    lease: timedelta = timedelta(minutes=5)
    timers: Timers | None = None
    store: ComplaintStore | None = None

    def run(self, now: datetime, time_left: Callable[[], float], reserve: float = 10.0) -> ScanReport:
        """Handle everything due at `now`, stopping while `time_left()` still exceeds `reserve` seconds
        (at most a fifth of the time the run started with), so the run ends cleanly and the next goes on."""
        started = time.perf_counter()
        reserve = min(reserve, time_left() / 5)
        report = ScanReport()
        lease_until = now + self.lease
        outbox: list[Outgoing] = []
        oldest_due: datetime | None = None
        ahead = self.timers.horizon(now) if self.timers is not None else None
        upcoming: list[Timer] = []
        claimed: list[Complaint] = []
        for due in self.index.due(now, ahead):
            if time_left() < reserve:
                report.stopped_early = True
                break
            if due.due_at > now:  # comes due within the timers' lookahead
                if isinstance(due, DueComplaint) and due.complaint.quarantine is None:
                    upcoming.append(Timer(due.complaint.id, due.due_at))
                continue
            oldest_due = due.due_at if oldest_due is None else min(oldest_due, due.due_at)
            if isinstance(due, DueRollUp):
                self._rollup(due, now, lease_until, report)
            elif isinstance(due, DueNotice):
                report.pending_notices += 1
                age = (now - due.notice.detected).total_seconds()
                report.oldest_pending_seconds = max(report.oldest_pending_seconds, age)
                if self.index.lease(due, lease_until):
                    report.retried += 1
                    outbox.append((due.notice, due.attempts + 1))
            else:
                outbox.extend((notice, 1) for notice in self._evaluate(due, now, lease_until, report, claimed))
            if len(outbox) >= FLUSH_AT:
                self._deliver(outbox, now, report)
                outbox = []
        self._deliver(outbox, now, report)
        if self.timers is not None:
            report.armed = self.timers.arm_window(upcoming, now, complete=not report.stopped_early)
            report.armed += self.timers.follow(claimed, now)
        if oldest_due is not None:
            report.lag_seconds = max(0.0, (now - oldest_due).total_seconds())
        report.duration_seconds = round(time.perf_counter() - started, 3)
        return report

    def fire_when_due(self, timers: Sequence[Timer], clock: Clock, sleep: Callable[[float], None]) -> ScanReport:
        """`fire` the timers whose instant has come, then wait out the last fraction of a second of those that
        arrived early (their delay was rounded down to whole seconds) and fire them."""
        now = clock.now()
        report = self.fire([timer for timer in timers if timer.at <= now], now)
        early = [timer for timer in timers if timer.at > now]
        wait = max((timer.at - now for timer in early), default=timedelta(0))
        if early and wait <= TIMER_EARLY:
            sleep(wait.total_seconds())
        if early:
            self.fire(early, clock.now(), report)
        return report

    def fire(self, timers: Sequence[Timer], now: datetime, report: ScanReport | None = None) -> ScanReport:
        """Timers that came due: each complaint read consistently and, when its next threshold has come, handled
        as a run handles it (claimed with the same conditional write, delivered through the publisher); its next
        threshold armed when it is within the lookahead. One that arrived early is armed again for its
        threshold. An unreadable or quarantined complaint is the scan's. Adds to `report` when given."""
        started = time.perf_counter()
        report = report if report is not None else ScanReport()
        report.timers += len(timers)
        if self.store is None or self.timers is None:
            return report
        lease_until = now + self.lease
        outbox: list[Outgoing] = []
        claimed: list[Complaint] = []
        for timer in timers:
            try:
                complaint = self.store.get(timer.complaint_id)
            except UnreadableComplaint:
                continue
            due_at = None if complaint is None or complaint.quarantine is not None else complaint.next_due()
            if complaint is None or due_at is None:
                continue
            if due_at > now:
                if timer.attempt < EARLY_ATTEMPTS:
                    report.armed += self.timers.again(timer, due_at, now)
                continue
            report.lag_seconds = max(report.lag_seconds, (now - due_at).total_seconds())
            seen = (len(claimed), report.lost_races, report.quarantined)
            due = DueComplaint(complaint, complaint.version, due_at)
            outbox.extend((notice, 1) for notice in self._evaluate(due, now, lease_until, report, claimed))
            unchanged = seen == (len(claimed), report.lost_races, report.quarantined)
            if unchanged and timer.attempt < EARLY_ATTEMPTS:  # reached only just after its instant (minor, major)
                report.armed += self.timers.again(timer, now + timedelta(seconds=1), now)
        self._deliver(outbox, now, report)
        report.armed += self.timers.follow(claimed, now)
        report.duration_seconds = round(report.duration_seconds + time.perf_counter() - started, 3)
        return report

    def _evaluate(
        self,
        due: DueComplaint | DueUnreadable,
        now: datetime,
        lease_until: datetime,
        report: ScanReport,
        claimed: list[Complaint],
    ) -> list[Notice]:
        report.complaints += 1
        if isinstance(due, DueUnreadable):
            self._quarantine(due, due.complaint_id, due.quarantine, due.reason, now, report)
            return []
        complaint = due.complaint
        try:
            updated, notices = owed_notices(complaint, now, self.policies, self.base_url)
            unchanged = not notices and updated.next_due() == complaint.next_due()
        except Exception as exc:  # noqa: BLE001 - one complaint that cannot be evaluated never stops the others
            self._quarantine(due, complaint.id, complaint.quarantine, describe_failure(exc), now, report)
            return []
        if complaint.quarantine is not None:
            log.warning("complaint %s evaluates again; released from quarantine", complaint.id)
            updated = updated.model_copy(update={"quarantine": None})
        elif unchanged:
            return []
        events = notice_events(updated, notices)
        updated = updated.model_copy(update={"event_count": updated.event_count + len(events)})
        if not self.index.claim(due, updated, notices, events, lease_until):
            report.lost_races += 1
            return []
        report.claimed += 1
        report.notices += len(notices)
        claimed.append(updated)
        return notices

    def _quarantine(
        self,
        due: DueComplaint | DueUnreadable,
        complaint_id: str,
        previous: Quarantine | None,
        reason: str,
        now: datetime,
        report: ScanReport,
    ) -> None:
        quarantine = quarantined(previous, reason, now.astimezone(self.policies.display.tz))
        if not self.index.quarantine(due, quarantine):
            report.lost_races += 1
            return
        report.quarantined += 1
        log.error(
            "complaint %s quarantined (attempt %d, next try %s): %s",
            complaint_id,
            quarantine.attempts,
            quarantine.retry_at.isoformat(),
            reason,
            extra={"complaint_id": complaint_id},
        )
        notice = quarantine_notice(
            complaint_id, quarantine, self.base_url, self.policies.display.tz, self.policies.file.language
        )
        self.operator.tell(notice, now)

    def _rollup(self, due: DueRollUp, now: datetime, lease_until: datetime, report: ScanReport) -> None:
        report.pending_notices += 1
        report.oldest_pending_seconds = max(report.oldest_pending_seconds, (now - due.window.end).total_seconds())
        published = self.publisher.publish_rollup(due, now, lease_until)
        if published is True:
            report.rollups += 1
        elif published is False:
            report.rollups_failed += 1

    def _deliver(self, outbox: list[Outgoing], now: datetime, report: ScanReport) -> None:
        if not outbox:
            return
        delivered = self.publisher.deliver(outbox, now)
        report.delivered += delivered.delivered
        report.failed += delivered.failed
        report.rolled_up += delivered.rolled_up
