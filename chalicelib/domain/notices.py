"""Notices: a complaint at `now` -> the notices its clocks owe (one per clock, cycle, level and audience, only the
highest level reached), the complaint with those levels marked, and the audit events that record them. Also the
notice id and the notice texts.

Pure: policies, calendars and `now` are passed in. A notice never carries customer contact details.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from chalicelib.domain import clocks as clock_rules
from chalicelib.domain.clocks import LEVEL_ORDER
from chalicelib.domain.durations import spoken
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.vocabulary import Audience, EventType, Level

_LEVEL_WORDS = {
    Level.WARNING: "is about to breach",
    Level.MINOR: "is breached (minor)",
    Level.MAJOR: "is breached (major)",
    Level.ESCALATION: "is still breached a working day after its major breach",
}
SCANNER = "scanner"


def notice_id(complaint_id: str, clock: str, cycle: int, level: Level, audience: str) -> str:
    """The stable id of one notice: one per (complaint, clock, cycle, level, audience)."""
    return f"{complaint_id}.{clock}.{cycle}.{level.value}.{audience}"


class Notice(BaseModel):
    """One alert to one audience; its `notice_id` is stable."""

    model_config = ConfigDict(frozen=True)

    notice_id: str
    complaint_id: str
    clock: str
    cycle: int
    level: Level
    audience: Audience
    deadline: str
    detected_at: str
    overdue_seconds: int
    priority: str
    category: str
    policy: str
    assignee: str | None = None
    provisional: bool = False
    link: str
    summary: str

    @property
    def detected(self) -> datetime:
        return datetime.fromisoformat(self.detected_at)

    @property
    def subject(self) -> str:
        """A readable SNS Subject: ASCII, one line, under 100 characters."""
        return f"[{self.level.value}] {self.clock} {_LEVEL_WORDS[self.level]} - complaint {self.complaint_id[:8]}"[:99]

    def message(self) -> dict[str, object]:
        """The SNS message body (JSON)."""
        return self.model_dump(mode="json")

    def attributes(self) -> dict[str, str]:
        """The SNS message attributes subscriptions filter on."""
        return {
            "level": self.level.value,
            "clock": self.clock,
            "category": self.category,
            "priority": self.priority,
            "audience": self.audience.value,
        }


def owed_notices(
    complaint: Complaint, now: datetime, policies: PolicySet, base_url: str
) -> tuple[Complaint, list[Notice]]:
    """The notices a complaint owes at `now` and the complaint with their levels marked as notified."""
    facts = complaint.facts()
    notices: list[Notice] = []
    updated = dict(complaint.clocks)
    for name, clock in complaint.clocks.items():
        level = clock_rules.current_level(clock, now)
        cycle = clock.cycle
        if level is None or cycle is None or cycle.deadline is None:
            continue
        if cycle.notified is not None and LEVEL_ORDER.index(level) <= LEVEL_ORDER.index(cycle.notified):
            continue
        calendar = policies.calendar(clock.calendar)
        overdue = round(calendar.measure(cycle.deadline, now)) if now > cycle.deadline else 0
        remaining = round(calendar.measure(now, cycle.deadline)) if now < cycle.deadline else 0
        deadline = cycle.deadline.astimezone(policies.display.tz)
        lateness = f"{spoken(overdue)} overdue" if overdue else f"{spoken(remaining)} left"
        summary = (
            f"{name.replace('_', ' ').capitalize()} of complaint {complaint.id} ({complaint.priority.value}, "
            f"{complaint.category.value}) {_LEVEL_WORDS[level]}: deadline {deadline:%Y-%m-%d %H:%M %z}, {lateness}."
        )
        if cycle.provisional:
            summary += " The deadline is provisional: the year's adjusted working days are not yet confirmed."
        for audience in policies.audiences(level, facts):
            notices.append(
                Notice(
                    notice_id=notice_id(complaint.id, name, cycle.number, level, audience),
                    complaint_id=complaint.id,
                    clock=name,
                    cycle=cycle.number,
                    level=level,
                    audience=audience,
                    deadline=deadline.isoformat(),
                    detected_at=now.astimezone(policies.display.tz).isoformat(),
                    overdue_seconds=overdue,
                    priority=complaint.priority.value,
                    category=complaint.category.value,
                    policy=f"{complaint.policy.name}@{complaint.policy.version}",
                    assignee=complaint.assignee,
                    provisional=cycle.provisional,
                    link=f"{base_url.rstrip('/')}/complaints/{complaint.id}",
                    summary=summary,
                )
            )
        updated[name] = clock_rules.mark_notified(clock, level)
    return complaint.model_copy(update={"clocks": updated}), notices


def notice_events(complaint: Complaint, notices: Sequence[Notice]) -> list[AuditEvent]:
    """The audit events recording `notices`, numbered after the complaint's last event; the first notice of
    each (clock, cycle, level) is marked so that the monthly report counts a breach once, not per audience."""
    events = []
    counted: set[tuple[str, int, Level]] = set()
    for number, notice in enumerate(notices, start=complaint.event_count + 1):
        group = (notice.clock, notice.cycle, notice.level)
        events.append(
            AuditEvent(
                sequence=number,
                type=EventType.NOTICE,
                at=notice.detected,
                recorded_at=notice.detected,
                by=SCANNER,
                status_before=complaint.status,
                status_after=complaint.status,
                details={
                    "notice_id": notice.notice_id,
                    "clock": notice.clock,
                    "level": notice.level.value,
                    "audience": notice.audience.value,
                    "first_of_level": "false" if group in counted else "true",
                },
            )
        )
        counted.add(group)
    return events
