"""The one way notices leave, with storm control. Notices (each with its attempt number) -> per audience, a slot
of the current window (a conditional write; at most `storm.limit` per `storm.window`) -> published to the alerts
topic on their own; a notice beyond its window's limit -> counted into the window's one roll-up, marked so in the
same write -> the roll-up published once the window is over (the scanner finds it due). The delivered ones are
marked sent, the others due again a second later for the next scan. Every notice ends published on its own or
counted in exactly one roll-up, and its audit event is in its complaint's trail either way.

The scanner's breaches go out through `deliver`; intake and staff events first ask `owed_on` what their change
owes (the policy's notify rules on the event, the resolve of each notified clock cycle it ended), write that outbox
with the change itself, then `deliver` it: a notice is stored before it is published, and published and settled the
same way whoever owes it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.errors import Unavailable
from chalicelib.domain.links import board_link
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.notices import Window, event_notices, notice_events, rollup, window_of
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.resolutions import resolved_notices
from chalicelib.domain.vocabulary import EventType, Level
from chalicelib.ports import LEASE, Delivery, DueIndex, DueRollUp, NoticeWindows, Notifier, Outbox, Outgoing

log = logging.getLogger(__name__)
RETRY_AFTER = timedelta(seconds=1)


@dataclass
class Delivered:
    """What one delivery did: notices published on their own, not taken by SNS, counted into roll-ups."""

    delivered: int = 0
    failed: int = 0
    rolled_up: int = 0


@dataclass(eq=False)
class Publisher:
    """Says what a change owes, publishes notices stored pending under storm control, settles them, and publishes
    the roll-ups of windows that are over."""

    notifier: Notifier
    windows: NoticeWindows
    due: DueIndex
    policies: PolicySet
    base_url: str

    def owed_on(
        self, after: Complaint, event: AuditEvent, now: datetime, before: Complaint | None = None
    ) -> tuple[Complaint, Outbox | None]:
        """The notices the change to `after` by `event` owes (from `before`, for a staff event): the policy's notify
        rules on the event (a triage that newly matches a rule counts as its receipt) and a resolve per audience of
        each notified clock cycle the change ended. As an outbox for the change's own write, with their audit
        entries, leased until they are delivered; and the complaint counting those entries. None when nothing is
        owed."""
        facts_before = before.facts() if before is not None and event.type is EventType.TRIAGE else None
        notices = event_notices(after, event, self.policies, self.base_url, facts_before)
        if before is not None:
            notices += resolved_notices(before, after, now, self.policies, self.base_url)
        if not notices:
            return after, None
        events = notice_events(after, notices)
        counted = after.model_copy(update={"event_count": after.event_count + len(events)})
        return counted, Outbox(notices, events, now + LEASE)

    def deliver(self, outgoing: Sequence[Outgoing], now: datetime) -> Delivered:
        """Publish notices claimed (pending) in the store: each on its own while its audience's window has room,
        else into the window's roll-up; mark them sent, rolled up, or pending again for a later run. What could not
        be settled stays pending under its lease, and a later scan delivers it again (the relay and the subscribers
        see a notice id at most once more, never zero times). A storm window that cannot be read or written leaves
        its notices as they are stored (pending under their lease, or rolled up by a write whose answer was lost):
        nothing here raises `Unavailable` after the change that owed them was written."""
        if not outgoing:
            return Delivered()
        storm = self.policies.file.storm
        by_window: dict[Window, list[Outgoing]] = {}
        for item in outgoing:
            by_window.setdefault(window_of(item[0].audience, now, storm.window_seconds), []).append(item)
        own: list[Outgoing] = []
        overflow: dict[Window, list[Outgoing]] = {}
        held = 0  # notices of a window that could not be read or written: left under their lease for a later scan
        for window, items in by_window.items():
            try:
                granted = self.windows.take(window, len(items), storm.limit)
            except Unavailable:
                held += len(items)
                continue
            own.extend(items[:granted])
            if granted < len(items):
                overflow[window] = items[granted:]
        outcome = self.notifier.publish([notice for notice, _ in own]) if own else Delivery(frozenset(), frozenset())
        sent = [item for item in own if item[0].notice_id in outcome.delivered]
        unsent = [item for item in own if item[0].notice_id not in outcome.delivered]
        report = Delivered(delivered=len(sent), failed=len(unsent) + held)
        for window, items in overflow.items():
            try:
                result = self.windows.roll_up(window, [notice for notice, _ in items], window.end)
            except Unavailable:
                report.failed += len(items)
                continue
            report.rolled_up += len(result.joined)
            unsent.extend(item for item in items if item[0].notice_id in result.closed)
            if result.closed:
                log.info(
                    "%d notices came after roll-up %s closed; delivered later", len(result.closed), window.rollup_id
                )
        if sent or unsent:
            try:
                self.due.settle(sent, unsent, now, now + RETRY_AFTER)
            except Unavailable:
                log.warning("%d notices published but not settled; a scan settles them after their lease", len(sent))
        if report.failed:
            log.warning("%d notices not published or not counted; a scan retries them", report.failed)
        return report

    def deliver_written(self, outbox: Outbox | None, now: datetime) -> None:
        """Deliver the outbox a change has just written (nothing when it owed nothing)."""
        if outbox is not None:
            self.deliver([(notice, 1) for notice in outbox.notices], now)

    def publish_rollup(self, due: DueRollUp, now: datetime, lease_until: datetime) -> bool | None:
        """Publish a window's roll-up once: True when SNS took it, False when not (due again in a second), None
        when another run has it."""
        tally = self.windows.lease(due, lease_until)
        if tally is None:
            return None
        message = rollup(
            due.window,
            tally.count,
            {Level(level): count for level, count in tally.by_level.items()},
            tally.complaint_ids,
            tally.facets,
            self.policies.display.tz,
            self.policies.file.language,
            board_link(self.base_url),
        )
        published = self.notifier.publish_rollup(message)
        self.windows.settle(due.window, published, now, now + RETRY_AFTER)
        if not published:
            log.warning("roll-up %s not published; the next run retries it", message.rollup_id)
        return published
