"""Precision timers: arm one delayed message per threshold, so that it is noticed within seconds of its instant
instead of at the next minute scan. Which thresholds are armed, each about once:

- the scan reads, in the same index queries, what comes due within the lookahead (by `now + lookahead`) and arms
  those after the horizon an earlier scan recorded (`armed_through`), then records its own horizon;
- a change (intake, a staff event, a claimed notice) arms its complaint's next threshold when that is within the
  lookahead (already passed: right away), since no scan has seen it.

The timer's consumer (`Scanner.fire`) makes the same conditional claim the scan makes, so a timer and the scan
racing for one threshold produce one notice; the minute scan stays the safety net for a timer lost or late."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from chalicelib.domain.model import Complaint
from chalicelib.ports import MAX_TIMER_DELAY, Markers, Timer, TimerQueue

ARMED_THROUGH = "timers-armed-through"


class Timers:
    """Arms timers on the timer queue; `lookahead` is how far ahead the scan arms (at least two scan intervals,
    so that a late scan still arms before the thresholds come)."""

    def __init__(self, queue: TimerQueue, markers: Markers, lookahead: timedelta) -> None:
        self._queue = queue
        self._markers = markers
        self._lookahead = min(lookahead, MAX_TIMER_DELAY)

    def horizon(self, now: datetime) -> datetime:
        """How far ahead of `now` a threshold is armed."""
        return now + self._lookahead

    def follow(self, complaints: Iterable[Complaint], now: datetime) -> int:
        """Arm the next threshold of each changed complaint that comes within the lookahead (one already passed,
        right away); returns how many timers were armed."""
        timers = [
            Timer(complaint.id, due)
            for complaint in complaints
            if complaint.quarantine is None and (due := complaint.next_due()) is not None and due <= self.horizon(now)
        ]
        return self._queue.arm(timers, now) if timers else 0

    def again(self, timer: Timer, due: datetime, now: datetime) -> int:
        """Arm a timer that arrived before its complaint's threshold (`due`) again, for that threshold, when it
        is within the lookahead; the scan arms it otherwise."""
        if due > self.horizon(now):
            return 0
        return self._queue.arm([Timer(timer.complaint_id, due, timer.attempt + 1)], now)

    def arm_window(self, upcoming: Sequence[Timer], now: datetime, complete: bool) -> int:
        """The scan's part: arm those of `upcoming` (read by the scan, due by `horizon(now)`) that an earlier
        scan did not (after the horizon it recorded); record this scan's horizon when it read every shard and
        every timer was taken."""
        if not upcoming:  # nothing comes due: everything up to this horizon is armed (by its change)
            if complete:
                self._markers.put(ARMED_THROUGH, self.horizon(now).isoformat())
            return 0
        recorded = self._markers.get(ARMED_THROUGH)
        armed_through = _instant(recorded) if recorded else None
        fresh = [timer for timer in upcoming if armed_through is None or timer.at > armed_through]
        taken = self._queue.arm(fresh, now) if fresh else 0
        if complete and taken == len(fresh):
            horizon = self.horizon(now)
            if armed_through is None or horizon > armed_through:
                self._markers.put(ARMED_THROUGH, horizon.isoformat())
        return taken


def _instant(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
