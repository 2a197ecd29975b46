"""Confirmation of provisional years: a complaint whose running clocks were computed through a year whose
adjusted working days were not yet confirmed + calendars that now confirm it -> the complaint with those clocks'
thresholds computed again, and the audit event that records each deadline before and after. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from chalicelib.domain import clocks as clock_rules
from chalicelib.domain.calendar import Calendar
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.vocabulary import EventType


def _shown(moment: datetime | None, zone: Calendar) -> str:
    return "none" if moment is None else moment.astimezone(zone.tz).isoformat()


def confirm_provisional(
    complaint: Complaint, calendars: Mapping[str, Calendar], display: Calendar, now: datetime
) -> tuple[Complaint, AuditEvent] | None:
    """The complaint with every clock whose provisional year is now confirmed recomputed, and its audit event;
    None when no clock of it waits for a year that has been confirmed since."""
    changed = {
        name: clock_rules.recompute(clock, calendars)
        for name, clock in complaint.clocks.items()
        if clock_rules.confirmed_since(clock, calendars)
    }
    if not changed:
        return None
    details: dict[str, str] = {"clocks": ", ".join(sorted(changed))}
    years: set[int] = set()
    for name, updated in changed.items():
        before, after = complaint.clocks[name].cycle, updated.cycle
        assert before is not None
        assert after is not None
        years.update(year for year in before.provisional_years if year not in after.provisional_years)
        details[f"{name}_deadline_before"] = _shown(before.deadline, display)
        details[f"{name}_deadline_after"] = _shown(after.deadline, display)
        details[f"{name}_provisional"] = "true" if after.provisional else "false"
    details["confirmed_years"] = ", ".join(str(year) for year in sorted(years))
    sequence = complaint.event_count + 1
    updated_complaint = complaint.model_copy(
        update={"clocks": {**complaint.clocks, **changed}, "event_count": sequence}
    )
    event = AuditEvent(
        sequence=sequence,
        type=EventType.RECOMPUTED,
        at=now,
        recorded_at=now,
        by="calendar",
        status_before=complaint.status,
        status_after=complaint.status,
        details=details,
    )
    return updated_complaint, event
