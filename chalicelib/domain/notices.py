"""Notices: a complaint at `now` -> the notices its clocks owe (one per clock, cycle, level and audience, only the
highest level reached), the complaint with those levels marked, and the audit events that record them; an event
of a complaint -> the notices the policy's `notify` rules owe on it (level `report`: no breach). Also the notice id
and the notice texts.

Pure: policies, calendars and `now` are passed in. A notice never carries customer contact details.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from chalicelib.domain import clocks as clock_rules
from chalicelib.domain.clocks import LEVEL_ORDER
from chalicelib.domain.durations import spoken
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.vocabulary import Audience, EventType, Level, NoticeType

_LEVEL_WORDS = {
    Level.WARNING: "is about to breach",
    Level.MINOR: "is breached (minor)",
    Level.MAJOR: "is breached (major)",
    Level.ESCALATION: "is still breached a working day after its major breach",
}
SCANNER = "scanner"
NOTIFIER = "notify"
"""Who the audit trail says raised a notice: the scanner (a breach) or the policy's notify rules (an event)."""


def notice_id(complaint_id: str, about: str, cycle: int, level: Level, audience: str) -> str:
    """The stable id of one notice: one per (complaint, clock, cycle, level, audience); for an event notice one
    per (complaint, event, its number in the audit trail, `report`, audience)."""
    return f"{complaint_id}.{about}.{cycle}.{level.value}.{audience}"


class Notice(BaseModel):
    """One alert to one audience; its `notice_id` is stable. A breach notice names its `clock` and `deadline`;
    an event notice (`type: event`, `level: report`) names its `event`, and its `cycle` is the event's number in
    the complaint's audit trail."""

    model_config = ConfigDict(frozen=True)

    notice_id: str
    type: NoticeType = NoticeType.BREACH
    complaint_id: str
    clock: str | None = None
    event: EventType | None = None
    cycle: int
    level: Level
    audience: Audience
    deadline: str | None = None
    detected_at: str
    overdue_seconds: int = 0
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
    def about(self) -> str:
        """What the notice is about: its clock, or the event it reports."""
        return self.clock or (self.event.value if self.event else "")

    @property
    def subject(self) -> str:
        """A readable SNS Subject: ASCII, one line, under 100 characters."""
        if self.type is NoticeType.EVENT:
            text = f"[{self.level.value}] {self.about}: {self.category} complaint {self.complaint_id[:8]}"
        else:
            text = f"[{self.level.value}] {self.clock} {_LEVEL_WORDS[self.level]} - complaint {self.complaint_id[:8]}"
        return text[:99]

    def message(self) -> dict[str, object]:
        """The SNS message body (JSON)."""
        return self.model_dump(mode="json")

    def attributes(self) -> dict[str, str]:
        """The SNS message attributes subscriptions filter on (`clock` for a breach, `event` for an event)."""
        found = {
            "type": self.type.value,
            "level": self.level.value,
            "category": self.category,
            "priority": self.priority,
            "audience": self.audience.value,
        }
        if self.clock is not None:
            found["clock"] = self.clock
        if self.event is not None:
            found["event"] = self.event.value
        return found


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
    """The audit events recording `notices`, numbered after the complaint's last event; the first breach notice
    of each (clock, cycle, level) is marked so that the monthly report counts a breach once, not per audience
    (an event notice is no breach: never marked)."""
    events = []
    counted: set[tuple[str, int, Level]] = set()
    for number, notice in enumerate(notices, start=complaint.event_count + 1):
        details = {"notice_id": notice.notice_id, "level": notice.level.value, "audience": notice.audience.value}
        if notice.type is NoticeType.EVENT:
            details |= {"type": notice.type.value, "event": notice.about}
        else:
            group = (notice.about, notice.cycle, notice.level)
            details |= {"clock": notice.about, "first_of_level": "false" if group in counted else "true"}
            counted.add(group)
        events.append(
            AuditEvent(
                sequence=number,
                type=EventType.NOTICE,
                at=notice.detected,
                recorded_at=notice.detected,
                by=NOTIFIER if notice.type is NoticeType.EVENT else SCANNER,
                status_before=complaint.status,
                status_after=complaint.status,
                details=details,
            )
        )
    return events


def event_notices(
    complaint: Complaint,
    event: AuditEvent,
    policies: PolicySet,
    base_url: str,
    before: Mapping[str, str] | None = None,
) -> list[Notice]:
    """The notices the policy's `notify` rules owe on `event` of `complaint` (as it is after the event): one per
    audience, level `report`. For a triage, `before` is the complaint's facts before it (a rule `on: received`
    then fires when the triage made the complaint match it)."""
    reported = policies.reported(event.type, complaint.facts(), before)
    if not reported:
        return []
    zone = policies.display.tz
    happened = "received" if event.type is EventType.RECEIVED else f"event '{event.type.value}' recorded"
    if event.type is EventType.TRIAGE:
        happened = "triaged into the rule's terms"
    notices = []
    for audience, rules in reported.items():
        reasons = "; ".join(dict.fromkeys(rule.reason or "a notify rule of the policy" for rule in rules))
        notices.append(
            Notice(
                notice_id=notice_id(complaint.id, event.type.value, event.sequence, Level.REPORT, audience),
                type=NoticeType.EVENT,
                complaint_id=complaint.id,
                event=event.type,
                cycle=event.sequence,
                level=Level.REPORT,
                audience=audience,
                detected_at=event.recorded_at.astimezone(zone).isoformat(),
                priority=complaint.priority.value,
                category=complaint.category.value,
                policy=f"{complaint.policy.name}@{complaint.policy.version}",
                assignee=complaint.assignee,
                link=f"{base_url.rstrip('/')}/complaints/{complaint.id}",
                summary=(
                    f"Complaint {complaint.id} ({complaint.priority.value}, {complaint.category.value}) "
                    f"{happened} at {event.at.astimezone(zone):%Y-%m-%d %H:%M %z}. For your information: {reasons}."
                ),
            )
        )
    return notices
