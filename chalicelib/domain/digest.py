"""Escalation digests: the notices an audience received in a window + their complaints now -> the entries still
worth a manager's attention (breaches first by severity and lateness, then warnings by deadline); and which hours
get an hourly digest. Pure; customer details appear only masked. Rendering is in `digest_render`."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.calendar import Calendar, CalendarNotCovered
from chalicelib.domain.clocks import LEVEL_ORDER, Clock, current_level
from chalicelib.domain.links import console_link
from chalicelib.domain.masking import masked_customer
from chalicelib.domain.model import Complaint
from chalicelib.domain.notice_texts import notice_subject
from chalicelib.domain.notices import Notice
from chalicelib.domain.operator import describe_failure
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.vocabulary import Level

log = logging.getLogger(__name__)
_SEVERITY = {Level.ESCALATION: 3, Level.MAJOR: 2, Level.MINOR: 1, Level.WARNING: 0}


@dataclass(frozen=True)
class DigestEntry:
    """One (complaint, clock) in a digest, as it stands when the digest is written."""

    complaint_id: str
    subject: str
    customer: str
    priority: str
    category: str
    clock: str
    level: Level
    deadline: datetime
    overdue_seconds: int
    remaining_seconds: int
    link: str
    assignee: str | None = None

    @property
    def is_breach(self) -> bool:
        return self.level is not Level.WARNING


def _working_seconds(calendar: Calendar, start: datetime, end: datetime) -> int:
    try:
        return round(calendar.measure(start, end))
    except CalendarNotCovered:
        return round((end - start).total_seconds())


def digest_entries(
    notices: Iterable[Notice], complaints: Mapping[str, Complaint], now: datetime, policies: PolicySet, base_url: str
) -> list[DigestEntry]:
    """The entries of a digest: per (complaint, clock) noticed, the level it stands at now, if the clock is
    still running or paused in that cycle; breaches first (most severe, then most overdue), then warnings
    (soonest deadline first). Event notices (`report`) are no breach and not digested."""
    highest: dict[tuple[str, str, int], Notice] = {}
    for notice in notices:
        if notice.clock is None or notice.level not in LEVEL_ORDER:
            continue
        key = (notice.complaint_id, notice.clock, notice.cycle)
        known = highest.get(key)
        if known is None or LEVEL_ORDER.index(notice.level) > LEVEL_ORDER.index(known.level):
            highest[key] = notice
    entries = []
    for (complaint_id, clock_name, cycle_number), notice in highest.items():
        complaint = complaints.get(complaint_id)
        clock = complaint.clocks.get(clock_name) if complaint else None
        if complaint is None or clock is None or clock.cycle is None or clock.cycle.number != cycle_number:
            continue
        try:
            entry = _entry(complaint, clock, notice.level, now, policies, base_url)
        except Exception as exc:  # noqa: BLE001 - one complaint that cannot be evaluated never stops the digest
            log.error("complaint %s left out of a digest: %s", complaint_id, describe_failure(exc))
            continue
        if entry is not None:
            entries.append(entry)
    entries.sort(key=lambda e: (-_SEVERITY[e.level], -e.overdue_seconds, e.deadline, e.complaint_id))
    return entries


def _entry(
    complaint: Complaint, clock: Clock, noticed: Level, now: datetime, policies: PolicySet, base_url: str
) -> DigestEntry | None:
    cycle = clock.cycle
    if cycle is None or not clock.active or cycle.deadline is None:
        return None
    calendar = policies.calendar(clock.calendar)
    moment = cycle.paused_at or now
    level = noticed
    reached = current_level(clock, now)
    if reached is not None and LEVEL_ORDER.index(reached) > LEVEL_ORDER.index(level):
        level = reached
    return DigestEntry(
        complaint_id=complaint.id,
        subject=notice_subject(complaint),  # contact details masked, as in every notice
        customer=masked_customer(complaint),
        priority=complaint.priority.value,
        category=complaint.category.value,
        clock=clock.name,
        level=level,
        deadline=cycle.deadline.astimezone(policies.display.tz),
        overdue_seconds=_working_seconds(calendar, cycle.deadline, moment) if moment > cycle.deadline else 0,
        remaining_seconds=_working_seconds(calendar, moment, cycle.deadline) if moment < cycle.deadline else 0,
        link=console_link(base_url, complaint.id),
        assignee=complaint.assignee,
    )


def hourly_slots(calendar: Calendar, hour_end: datetime, lookback_hours: int = 96) -> tuple[bool, datetime]:
    """Whether the hour ending at `hour_end` gets an hourly digest (the calendar was open in it), and where its
    window starts: the end of the previous hour that got one, so closed hours' notices are not skipped."""

    def had_open_time(end: datetime) -> bool:
        try:
            return calendar.measure(end - timedelta(hours=1), end) > 0
        except CalendarNotCovered:
            return True

    if not had_open_time(hour_end):
        return False, hour_end
    start = hour_end - timedelta(hours=1)
    for _ in range(lookback_hours):
        if had_open_time(start):
            break
        start -= timedelta(hours=1)
    return True, start
