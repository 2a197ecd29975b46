"""The one path to the alerts topic, with storm control: notices -> per audience, a slot of the current window
(a conditional write; at most `storm.limit` per `storm.window`) -> published on their own; a notice beyond its
window's limit -> counted into the window's one roll-up, marked so in the same write -> the roll-up published
once the window is over (the scanner finds it due). Every notice ends published on its own or counted in exactly
one roll-up, and its audit event is in its complaint's trail either way; what SNS refuses stays pending, and a later
delivery decides again in its own window.

Everything published to the alerts topic goes through `Publisher.deliver` (breach notices from the scanner, and
any other notice a use case stores pending first)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.notices import Window, rollup, window_of
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.vocabulary import Level
from chalicelib.ports import Delivery, DueIndex, DueRollUp, NoticeWindows, Notifier, Outgoing

log = logging.getLogger(__name__)
RETRY = timedelta(seconds=1)


@dataclass
class Delivered:
    """What one delivery did: notices published on their own, not taken by SNS, counted into roll-ups."""

    delivered: int = 0
    failed: int = 0
    rolled_up: int = 0


class Publisher:
    """Publishes notices under storm control, and the roll-ups of windows that are over."""

    def __init__(self, notifier: Notifier, windows: NoticeWindows, index: DueIndex, policies: PolicySet) -> None:
        self._notifier = notifier
        self._windows = windows
        self._index = index
        self._policies = policies

    def deliver(self, outbox: Sequence[Outgoing], now: datetime) -> Delivered:
        """Publish notices claimed (pending) in the store: each on its own while its audience's window has room,
        else into the window's roll-up; mark them sent, rolled up, or pending again for a later run."""
        storm = self._policies.file.storm
        by_window: dict[Window, list[Outgoing]] = {}
        for outgoing in outbox:
            by_window.setdefault(window_of(outgoing[0].audience, now, storm.window_seconds), []).append(outgoing)
        own: list[Outgoing] = []
        overflow: dict[Window, list[Outgoing]] = {}
        for window, items in by_window.items():
            granted = self._windows.take(window, len(items), storm.limit)
            own.extend(items[:granted])
            if granted < len(items):
                overflow[window] = items[granted:]
        outcome = self._notifier.publish([notice for notice, _ in own]) if own else Delivery(frozenset(), frozenset())
        sent = [item for item in own if item[0].notice_id in outcome.delivered]
        unsent = [item for item in own if item[0].notice_id not in outcome.delivered]
        report = Delivered(delivered=len(sent), failed=len(unsent))
        for window, items in overflow.items():
            result = self._windows.roll_up(window, [notice for notice, _ in items], window.end)
            report.rolled_up += len(result.joined)
            unsent.extend(item for item in items if item[0].notice_id in result.closed)
            if result.closed:
                log.info(
                    "%d notices came after roll-up %s closed; delivered later", len(result.closed), window.rollup_id
                )
        if sent or unsent:
            self._index.settle(sent, unsent, now, now + RETRY)
        return report

    def publish_rollup(self, due: DueRollUp, now: datetime, lease_until: datetime) -> bool | None:
        """Publish a window's roll-up once: True when SNS took it, False when not (due again in a second), None
        when another run has it."""
        tally = self._windows.lease(due, lease_until)
        if tally is None:
            return None
        message = rollup(
            due.window,
            tally.count,
            {Level(level): count for level, count in tally.by_level.items()},
            tally.complaint_ids,
            tally.facets,
            self._policies.display.tz,
        )
        published = self._notifier.publish_rollup(message)
        self._windows.settle(due.window, published, now, now + RETRY)
        if not published:
            log.warning("roll-up %s not published; the next run retries it", message.rollup_id)
        return published
