"""Notices: a complaint at `now` -> the notices its clocks owe (one per clock, cycle, level and audience, only the
highest level reached), the complaint with those levels marked, and the audit events that record them; an event of
a complaint -> the notices the policy's `notify` rules owe on it (level `report`: no breach). Also the notice id;
the texts people read are made from a notice by `chalicelib.domain.notice_texts`.

Pure: policies, calendars and `now` are passed in. A notice never carries customer contact details: the
complaint's subject, with anything that looks like one masked, is its only customer-written text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain import clocks as clock_rules
from chalicelib.domain.clocks import LEVEL_ORDER
from chalicelib.domain.links import console_link
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.notice_texts import (
    SNS_SUBJECT_LIMIT,
    cut,
    in_level_order,
    level_counts,
    notice_subject,
    summary,
)
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.vocabulary import Audience, ClockState, EventType, Level, NoticeType
from chalicelib.domain.words import DEFAULT_LANGUAGE, Language, word

SCANNER = "scanner"
NOTIFIER = "notify"
"""Who the audit trail says raised a notice: the scanner (a breach, a resolve) or the policy's notify rules."""
NOTICE_TEXTS = ("summary", "subject")
"""The free texts a stored notice may hold (an erasure scrubs them)."""


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

    kind: Literal["notice"] = "notice"
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
            "kind": self.kind,
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
            notice = compose(
                complaint,
                base_url,
                language,
                notice_id=notice_id(complaint.id, name, cycle.number, level, audience),
                clock=name,
                cycle=cycle.number,
                level=level,
                audience=audience,
                deadline=cycle.deadline.astimezone(policies.display.tz).isoformat(),
                detected_at=now.astimezone(policies.display.tz).isoformat(),
                overdue_seconds=overdue,
                remaining_seconds=remaining,
                provisional=cycle.provisional,
            )
            notices.append(notice)
        updated[name] = clock_rules.mark_notified(clock, level)
    return complaint.model_copy(update={"clocks": updated}), notices


def compose(complaint: Complaint, base_url: str, language: Language, **happened: object) -> Notice:
    """A notice about `complaint` (its id, masked subject, priority, category, policy, assignee and console link)
    saying what `happened` (the notice id, type, clock or event, cycle, level, audience and times), with its
    summary in `language`. A field `Notice` does not have is a `TypeError`, not a field quietly dropped."""
    unknown = set(happened) - set(Notice.model_fields)
    if unknown:
        raise TypeError(f"a notice has no field {', '.join(sorted(unknown))}")
    notice = Notice.model_validate(
        {
            "complaint_id": complaint.id,
            "subject": notice_subject(complaint),
            "priority": complaint.priority.value,
            "category": complaint.category.value,
            "policy": f"{complaint.policy.name}@{complaint.policy.version}",
            "assignee": complaint.assignee,
            "link": console_link(base_url, complaint.id),
            "summary": "",
            **happened,
        }
    )
    return notice.model_copy(update={"summary": summary(notice, language)})


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
        notice = compose(
            complaint,
            base_url,
            language,
            notice_id=notice_id(complaint.id, event.type.value, event.sequence, Level.REPORT, audience),
            type=NoticeType.EVENT,
            event=event.type,
            cycle=event.sequence,
            level=Level.REPORT,
            audience=audience,
            detected_at=event.recorded_at.astimezone(zone).isoformat(),
            reason=reasons,
        )
        notices.append(notice)
    return notices


# ----- storm control: windows and roll-ups -----

ROLLUP_IDS = 50
"""A roll-up lists the complaints of its first this many notices."""


class Window(BaseModel):
    """One audience's storm-control window: [start, end), fixed windows counted from the epoch (so from the hour)."""

    model_config = ConfigDict(frozen=True)

    audience: Audience
    start: datetime
    end: datetime

    @property
    def rollup_id(self) -> str:
        """The roll-up's stable id: one per audience and window."""
        return f"rollup.{self.audience.value}.{self.start.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def window_of(audience: Audience, moment: datetime, seconds: int) -> Window:
    """The window of `seconds` that `moment` falls in, for `audience`."""
    epoch = int(moment.timestamp())
    start = datetime.fromtimestamp(epoch - epoch % seconds, UTC)
    return Window(audience=audience, start=start, end=start + timedelta(seconds=seconds))


class RollUp(BaseModel):
    """The notices of one audience's window beyond its limit, told in one message: how many, of which levels, and
    the complaints of the first 50. Each notice it counts is in its complaint's audit trail and is marked rolled
    up (never also sent on its own)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["rollup"] = "rollup"
    rollup_id: str
    audience: Audience
    window_start: str
    window_end: str
    count: int
    by_level: dict[Level, int]
    complaint_ids: list[str] = Field(max_length=ROLLUP_IDS)
    categories: list[str] = Field(default_factory=list)
    priorities: list[str] = Field(default_factory=list)
    clocks: list[str] = Field(default_factory=list)
    summary: str = ""
    subject: str = ""
    link: str = ""  # the console's board

    def message(self) -> dict[str, object]:
        """The SNS message body (JSON)."""
        return self.model_dump(mode="json")

    def attributes(self) -> dict[str, str | list[str]]:
        """The SNS message attributes: the audience, and every level, clock, category and priority among the
        notices it counts (lists, so that each subscription whose filter one of them matches receives it)."""
        return {
            "kind": self.kind,
            "audience": self.audience.value,
            "level": sorted(level.value for level in self.by_level),
            "clock": sorted(self.clocks),
            "category": sorted(self.categories),
            "priority": sorted(self.priorities),
        }


def rollup(
    window: Window,
    count: int,
    by_level: Mapping[Level, int],
    complaint_ids: Sequence[str],
    facets: Mapping[str, Sequence[str]],
    zone: ZoneInfo,
    language: Language = DEFAULT_LANGUAGE,
    link: str = "",
) -> RollUp:
    """The roll-up of a window from what its notices added up to (`facets`: categories, priorities, clocks);
    `link` is where to see them (the console's board)."""
    start, end = window.start.astimezone(zone), window.end.astimezone(zone)
    parts = level_counts(by_level, language, sentence=True)
    if language == "zh-CN":
        subject = f"【提醒汇总】{start:%H:%M}-{end:%H:%M} 发给{word(window.audience, language)}的其余 {count} 条提醒"
        summary = (
            f"{start:%Y-%m-%d %H:%M}-{end:%H:%M} 发给{word(window.audience, language)}的提醒超过上限，"
            f"其余 {count} 条汇总于此（{parts}）。各投诉的提醒均已记入其处理记录。"
        )
    else:
        subject = f"[Roll-up] {count} more notices for {word(window.audience, language)}, {start:%H:%M}-{end:%H:%M}"
        summary = (
            f"{word(window.audience, language)} received its limit of notices for {start:%Y-%m-%d %H:%M}-{end:%H:%M}; "
            f"the other {count} are rolled up here ({parts}). Each is in its complaint's audit trail."
        )
    return RollUp(
        rollup_id=window.rollup_id,
        audience=window.audience,
        window_start=start.isoformat(),
        window_end=end.isoformat(),
        count=count,
        by_level=in_level_order(by_level),
        complaint_ids=list(dict.fromkeys(complaint_ids))[:ROLLUP_IDS],
        categories=sorted(set(facets.get("categories", ()))),
        priorities=sorted(set(facets.get("priorities", ()))),
        clocks=sorted(set(facets.get("clocks", ()))),
        subject=cut(subject, SNS_SUBJECT_LIMIT),
        summary=summary,
        link=link,
    )
