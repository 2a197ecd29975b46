"""Notices: a complaint at `now` -> the notices its clocks owe (one per clock, cycle, level and audience, only the
highest level reached), the complaint with those levels marked, and the audit events that record them. Also the
notice id and the notice texts.

Pure: policies, calendars and `now` are passed in. A notice never carries customer contact details.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain import clocks as clock_rules
from chalicelib.domain.clocks import LEVEL_ORDER
from chalicelib.domain.durations import spoken
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.vocabulary import Audience, EventType, Level
from chalicelib.domain.words import DEFAULT_LANGUAGE, Language, word

_LEVEL_WORDS = {
    Level.WARNING: "is about to breach",
    Level.MINOR: "is breached (minor)",
    Level.MAJOR: "is breached (major)",
    Level.ESCALATION: "is still breached a working day after its major breach",
}
SCANNER = "scanner"
NOTICE_TEXTS = ("summary", "subject")
"""The free texts a stored notice may hold (an erasure scrubs them)."""


def notice_id(complaint_id: str, clock: str, cycle: int, level: Level, audience: str) -> str:
    """The stable id of one notice: one per (complaint, clock, cycle, level, audience)."""
    return f"{complaint_id}.{clock}.{cycle}.{level.value}.{audience}"


class Notice(BaseModel):
    """One alert to one audience; its `notice_id` is stable."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["notice"] = "notice"
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
            "kind": self.kind,
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

    @property
    def subject(self) -> str:
        """A readable SNS Subject: ASCII, one line, under 100 characters."""
        start, end = datetime.fromisoformat(self.window_start), datetime.fromisoformat(self.window_end)
        return f"[rollup] {self.count} more notices for {self.audience.value}, {start:%H:%M}-{end:%H:%M}"[:99]

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
) -> RollUp:
    """The roll-up of a window from what its notices added up to (`facets`: categories, priorities, clocks)."""
    start, end = window.start.astimezone(zone), window.end.astimezone(zone)
    levels = sorted(by_level, key=LEVEL_ORDER.index)
    if language == "zh-CN":
        parts = "，".join(f"{word(level, language)} {by_level[level]}" for level in levels)
        summary = (
            f"{start:%Y-%m-%d %H:%M}-{end:%H:%M} 发给{word(window.audience, language)}的提醒超过上限，"
            f"其余 {count} 条汇总于此（{parts}）。各投诉的提醒均已记入其处理记录。"
        )
    else:
        parts = ", ".join(f"{word(level, language).lower()} {by_level[level]}" for level in levels)
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
        by_level={level: by_level[level] for level in levels},
        complaint_ids=list(dict.fromkeys(complaint_ids))[:ROLLUP_IDS],
        categories=sorted(set(facets.get("categories", ()))),
        priorities=sorted(set(facets.get("priorities", ()))),
        clocks=sorted(set(facets.get("clocks", ()))),
        summary=summary,
    )
