"""Notices: a complaint at `now` -> the notices its clocks owe (one per clock, cycle, level and audience, only the
highest level reached), the complaint with those levels marked, and the audit events that record them; an event of
a complaint -> the notices the policy's `notify` rules owe on it (level `report`: no breach). Also the notice id;
the texts people read are made from a notice by `chalicelib.domain.notice_texts`.

Pure: policies, calendars and `now` are passed in. A notice never carries customer contact details: the
complaint's subject, with anything that looks like one masked, is its only customer-written text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from chalicelib.domain import clocks as clock_rules
from chalicelib.domain.clocks import LEVEL_ORDER
from chalicelib.domain.links import console_link
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.notice_texts import notice_subject, summary
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.vocabulary import Audience, ClockState, EventType, Level, NoticeType

SCANNER = "scanner"
NOTIFIER = "notify"
"""Who the audit trail says raised a notice: the scanner (a breach, a resolve) or the policy's notify rules."""


def notice_id(complaint_id: str, about: str, cycle: int, level: Level | NoticeType, audience: str) -> str:
    """The stable id of one notice: one per (complaint, clock, cycle, level or `resolved`, audience); for an event
    notice one per (complaint, event, its number in the audit trail, `report`, audience)."""
    return f"{complaint_id}.{about}.{cycle}.{level.value}.{audience}"


class Notice(BaseModel):
    """One alert to one audience; its `notice_id` is stable. `type` is `breach` (a clock reached `level`), `resolved`
    (a notified clock cycle has ended: `outcome` met, breached (met late) or stopped; `level` is the highest its
    audience heard of in that cycle), or `event` (`level: report`: the policy asks that `audience` be told of
    `event`, for `reason`; `cycle` is the event's number in the audit trail)."""

    model_config = ConfigDict(frozen=True)

    notice_id: str
    type: NoticeType = NoticeType.BREACH
    complaint_id: str
    clock: str | None = None
    event: EventType | None = None
    cycle: int
    level: Level
    audience: Audience
    subject: str = ""
    deadline: str | None = None
    detected_at: str
    overdue_seconds: int = 0
    remaining_seconds: int = 0
    priority: str
    category: str
    policy: str
    assignee: str | None = None
    provisional: bool = False
    outcome: ClockState | None = None
    ended_at: str | None = None
    reason: str | None = None
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
    def key_level(self) -> Level | NoticeType:
        """What tells this notice from the others of its cycle and audience: its level, or `resolved`."""
        return NoticeType.RESOLVED if self.type == NoticeType.RESOLVED else self.level

    @property
    def incident(self) -> str:
        """What the notices of one clock cycle share (a PagerDuty dedup_key): `{complaint_id}.{clock}.{cycle}`."""
        return f"{self.complaint_id}.{self.about}.{self.cycle}"

    def message(self) -> dict[str, object]:
        """The JSON notice (SNS `default`, the relay's input, a webhook channel's body)."""
        return self.model_dump(mode="json")

    def attributes(self) -> dict[str, str]:
        """The SNS message attributes subscriptions filter on (`clock` for a breach or a resolve, `event` for an
        event notice)."""
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
    language = policies.file.language
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
        for audience in policies.audiences(level, facts):
            notice = Notice(
                notice_id=notice_id(complaint.id, name, cycle.number, level, audience),
                complaint_id=complaint.id,
                clock=name,
                cycle=cycle.number,
                level=level,
                audience=audience,
                subject=notice_subject(complaint),
                deadline=cycle.deadline.astimezone(policies.display.tz).isoformat(),
                detected_at=now.astimezone(policies.display.tz).isoformat(),
                overdue_seconds=overdue,
                remaining_seconds=remaining,
                priority=complaint.priority.value,
                category=complaint.category.value,
                policy=f"{complaint.policy.name}@{complaint.policy.version}",
                assignee=complaint.assignee,
                provisional=cycle.provisional,
                link=console_link(base_url, complaint.id),
                summary="",
            )
            notices.append(notice.model_copy(update={"summary": summary(notice, language)}))
        updated[name] = clock_rules.mark_notified(clock, level)
    return complaint.model_copy(update={"clocks": updated}), notices


def notice_events(complaint: Complaint, notices: Sequence[Notice]) -> list[AuditEvent]:
    """The audit events recording `notices`, numbered after the complaint's last event; the first breach notice
    of each (clock, cycle, level) is marked so that the monthly report counts a breach once, not per audience
    (an event notice or a resolve is no breach: never marked)."""
    events = []
    counted: set[tuple[str, int, Level]] = set()
    for number, notice in enumerate(notices, start=complaint.event_count + 1):
        details = {"notice_id": notice.notice_id, "level": notice.level.value, "audience": notice.audience.value}
        if notice.type is NoticeType.EVENT:
            details |= {"type": notice.type.value, "event": notice.about}
        elif notice.type is NoticeType.RESOLVED:
            details |= {"type": notice.type.value, "clock": notice.about}
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
    language = policies.file.language
    notices = []
    for audience, rules in reported.items():
        reasons = "; ".join(dict.fromkeys(rule.reason for rule in rules if rule.reason)) or None
        notice = Notice(
            notice_id=notice_id(complaint.id, event.type.value, event.sequence, Level.REPORT, audience),
            type=NoticeType.EVENT,
            complaint_id=complaint.id,
            event=event.type,
            cycle=event.sequence,
            level=Level.REPORT,
            audience=audience,
            subject=notice_subject(complaint),
            detected_at=event.recorded_at.astimezone(zone).isoformat(),
            priority=complaint.priority.value,
            category=complaint.category.value,
            policy=f"{complaint.policy.name}@{complaint.policy.version}",
            assignee=complaint.assignee,
            reason=reasons,
            link=console_link(base_url, complaint.id),
            summary="",
        )
        notices.append(notice.model_copy(update={"summary": summary(notice, language)}))
    return notices
