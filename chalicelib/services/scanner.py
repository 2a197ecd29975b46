"""Scan what is due: due index (per shard, next_due <= now) -> notices each complaint owes (pure) -> claimed
with the complaint's new next_due in one conditional transaction -> published in SNS batches -> marked sent,
or left pending for the next run. Overlapping runs are safe: conditional writes decide who sends."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from chalicelib import keys
from chalicelib.adapters.due_index import DueComplaint, DueIndex
from chalicelib.adapters.sns import SnsNotifier
from chalicelib.domain.notices import Notice, owed_notices
from chalicelib.domain.policy import PolicySet

log = logging.getLogger(__name__)
FLUSH_AT = 50


@dataclass
class ScanReport:
    """What one run did; logged as JSON."""

    complaints: int = 0
    claimed: int = 0
    lost_races: int = 0
    notices: int = 0
    retried: int = 0
    delivered: int = 0
    failed: int = 0
    stopped_early: bool = False

    def as_dict(self) -> dict[str, int | bool]:
        return asdict(self)


class Scanner:
    """One scheduled run over the due index."""

    def __init__(
        self,
        index: DueIndex,
        notifier: SnsNotifier,
        policies: PolicySet,
        base_url: str,
        lease: timedelta = timedelta(minutes=5),
    ) -> None:
        self._index = index
        self._notifier = notifier
        self._policies = policies
        self._base_url = base_url
        self._lease = lease

    def run(self, now: datetime, time_left: Callable[[], float], reserve: float = 10.0) -> ScanReport:
        """Handle everything due at `now`, stopping while `time_left()` still exceeds `reserve` seconds
        (at most a fifth of the time the run started with), so the run ends cleanly and the next goes on."""
        reserve = min(reserve, time_left() / 5)
        report = ScanReport()
        lease_until = keys.due_value(now + self._lease)
        outbox: list[tuple[Notice, int]] = []
        for shard in self._index.shards:
            for due in self._index.due(shard, now):
                if time_left() < reserve:
                    report.stopped_early = True
                    break
                if isinstance(due, DueComplaint):
                    outbox.extend((notice, 1) for notice in self._claim(due, now, lease_until, report))
                elif self._index.lease(due, lease_until):
                    report.retried += 1
                    outbox.append((due.notice, due.attempts + 1))
                if len(outbox) >= FLUSH_AT:
                    self._deliver(outbox, now, report)
                    outbox = []
            if report.stopped_early:
                break
        self._deliver(outbox, now, report)
        return report

    def _claim(self, due: DueComplaint, now: datetime, lease_until: str, report: ScanReport) -> list[Notice]:
        report.complaints += 1
        complaint = due.complaint
        updated, notices = owed_notices(complaint, now, self._policies, self._base_url)
        entry = keys.due_entry(updated.id, updated.next_due(), len(self._index.shards))
        if not notices and entry == keys.due_entry(complaint.id, complaint.next_due(), len(self._index.shards)):
            return []
        if not self._index.claim(due, updated, entry, notices, lease_until):
            report.lost_races += 1
            return []
        report.claimed += 1
        report.notices += len(notices)
        return notices

    def _deliver(self, outbox: list[tuple[Notice, int]], now: datetime, report: ScanReport) -> None:
        if not outbox:
            return
        delivered, failed = self._notifier.publish([notice for notice, _ in outbox])
        report.delivered += len(delivered)
        report.failed += len(failed)
        self._index.settle(
            [(n, attempts) for n, attempts in outbox if n.notice_id in delivered],
            [(n, attempts) for n, attempts in outbox if n.notice_id not in delivered],
            keys.due_value(now),
            keys.due_value(now + timedelta(seconds=1)),
        )
