"""SLA policy: the YAML policy file -> validated `PolicyFile` -> compiled `PolicySet` that picks a policy
for a complaint and builds its clocks, calendars and escalation audiences.

Pure: the caller reads the file and hands over its text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from chalicelib.domain.calendar import AlwaysOpen, BusinessCalendar, Calendar, YearSchedule, parse_range
from chalicelib.domain.clocks import Clock, Escalation
from chalicelib.domain.durations import Target, parse_target
from chalicelib.domain.vocabulary import (
    CLOCK_EVENTS,
    NOTIFY_EVENTS,
    Audience,
    Category,
    Channel,
    ClockName,
    Complexity,
    EventType,
    Level,
    PauseReason,
    Priority,
    Weekday,
    enum_schema,
    member_of,
)
from chalicelib.domain.words import DEFAULT_LANGUAGE, Language
from chalicelib.domain.yaml_files import load_yaml_model

ClockEvent = Annotated[EventType, BeforeValidator(member_of(CLOCK_EVENTS)), WithJsonSchema(enum_schema(CLOCK_EVENTS))]
"""An event a clock rule can name."""
NotifyEvent = Annotated[
    EventType, BeforeValidator(member_of(NOTIFY_EVENTS)), WithJsonSchema(enum_schema(NOTIFY_EVENTS))
]
"""An event a notify rule can name."""


class PolicyError(ValueError):
    """The policy file is invalid: the message names the file, the place inside it and what is wrong."""


def _percent(value: object) -> object:
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d+)\s*%\s*", value)
        if not match:
            raise ValueError(f"{value!r} is not a percentage like 75%")
        return int(match.group(1))
    return value


def _listify(value: object) -> object:
    return [value] if isinstance(value, str) else value


def _duration(value: object) -> object:
    if isinstance(value, str):
        return parse_target(value)
    return value


Percent = Annotated[int, BeforeValidator(_percent), Field(gt=0, le=10000)]
Duration = Annotated[Target, BeforeValidator(_duration)]
OneOrMany = Annotated[list[str], BeforeValidator(_listify)]
Priorities = Annotated[list[Priority], BeforeValidator(_listify)]
Categories = Annotated[list[Category], BeforeValidator(_listify)]
Complexities = Annotated[list[Complexity], BeforeValidator(_listify)]
Channels = Annotated[list[Channel], BeforeValidator(_listify)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


def _days(value: object) -> object:
    """A list of dates where an item may be a range written `2027-02-06..2027-02-13` (both ends included)."""
    if not isinstance(value, list):
        return value
    days: list[object] = []
    for item in value:
        if isinstance(item, str) and ".." in item:
            first_text, _, last_text = item.partition("..")
            try:
                first, last = date.fromisoformat(first_text.strip()), date.fromisoformat(last_text.strip())
            except ValueError as exc:
                raise ValueError(f"{item!r} is not a range of dates like 2027-02-06..2027-02-13") from exc
            if last < first or (last - first).days > 366:
                raise ValueError(f"{item!r} must run forwards, within a year")
            days.extend(first + timedelta(days=offset) for offset in range((last - first).days + 1))
        else:
            days.append(item)
    return days


Days = Annotated[list[date], BeforeValidator(_days)]


class ConfirmedYear(_Strict):
    """A year's official schedule (China: the State Council's notice of holidays and adjusted working days),
    declared because the holidays package does not have it yet. Declaring the year confirms it."""

    days_off: Days = Field(default_factory=list)
    working_days: Days = Field(default_factory=list)


class CalendarSpec(_Strict):
    """A calendar: no `hours` means open around the clock (24x7)."""

    timezone: str = "Asia/Shanghai"
    hours: dict[Weekday, list[str]] | None = None
    holidays: str | None = None
    subdivision: str | None = None
    working_day: Duration | None = None
    adjusted_day_hours: Weekday = Weekday.MON
    extra_holidays: list[date] = Field(default_factory=list)
    extra_working_days: list[date] = Field(default_factory=list)
    confirmed_years: dict[Annotated[int, Field(ge=1900, le=2200)], ConfirmedYear] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("working_day")
    @classmethod
    def _hours_only(cls, value: Target | None) -> Target | None:
        if value is not None and value.days:
            raise ValueError("give the working day in hours and minutes, e.g. 7h30m")
        return value

    @field_validator("hours")
    @classmethod
    def _valid_ranges(cls, value: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        for ranges in (value or {}).values():
            for text in ranges:
                parse_range(text)
        return value

    @model_validator(mode="after")
    def _business_only(self) -> CalendarSpec:
        if self.hours is None:
            given = sorted(self.model_fields_set - {"timezone", "hours"})
            if given:
                raise ValueError(f"{', '.join(given)} only apply to a calendar with `hours`")
        elif self.holidays is not None:
            import holidays

            try:
                holidays.country_holidays(self.holidays, subdiv=self.subdivision)
            except NotImplementedError as exc:
                raise ValueError(f"the holidays package has no data for {self.holidays!r}: {exc}") from exc
        elif self.subdivision is not None:
            raise ValueError("a `subdivision` needs `holidays` (the country code)")
        elif self.confirmed_years:
            raise ValueError("`confirmed_years` needs `holidays` (the country whose schedule they confirm)")
        return self

    def build(self, name: str) -> Calendar:
        """Make the calendar object this spec describes."""
        zone = ZoneInfo(self.timezone)
        if self.hours is None:
            return AlwaysOpen(name=name, tz=zone)
        weekly = {day.number: [parse_range(text) for text in ranges] for day, ranges in self.hours.items()}
        return BusinessCalendar(
            name=name,
            tz=zone,
            weekly=weekly,
            country=self.holidays,
            subdivision=self.subdivision,
            extra_holidays=self.extra_holidays,
            extra_working_days=self.extra_working_days,
            working_day_seconds=None if self.working_day is None else self.working_day.seconds,
            adjusted_day_hours=self.adjusted_day_hours.number,
            confirmed_years={
                year: YearSchedule(frozenset(declared.days_off), frozenset(declared.working_days))
                for year, declared in self.confirmed_years.items()
            },
        )


class Grading(_Strict):
    """Warning once `warning_at` of the target has elapsed; minor breach until `minor_until`, major beyond."""

    warning_at: Percent = 75
    minor_until: Percent = 200

    @model_validator(mode="after")
    def _ordered(self) -> Grading:
        if not self.warning_at <= 100 < self.minor_until:
            raise ValueError("warning_at must be at most 100% and minor_until more than 100%")
        return self


class ClockRules(_Strict):
    """When a clock starts (again), stops (met or breached), ends unjudged, and pauses."""

    starts_on: list[ClockEvent]
    stops_on: list[ClockEvent] = Field(default_factory=list)
    ends_on: list[ClockEvent] = Field(default_factory=list)
    pauses_on: list[PauseReason] = Field(default_factory=list)


class Match(_Strict):
    """Conditions on a complaint; a missing field matches anything, a list matches any of its values, a flag
    (`cross_department`, `warranty`, `remote_area`) matches when the complaint's flag is the value given.

    Priority, category, complexity and channel must be values a complaint can have (a typo would otherwise
    never match, silently); a customer tier is free text.
    """

    priority: Priorities | None = None
    category: Categories | None = None
    complexity: Complexities | None = None
    channel: Channels | None = None
    customer_tier: OneOrMany | None = None
    cross_department: bool | None = None
    warranty: bool | None = None
    remote_area: bool | None = None

    def matches(self, facts: Mapping[str, str]) -> bool:
        """True when every condition given holds for the complaint's `facts`."""
        for field, allowed in self.model_dump(exclude_none=True).items():
            if isinstance(allowed, bool):
                if facts.get(field) != ("true" if allowed else "false"):
                    return False
            elif facts.get(field) not in allowed:
                return False
        return True

    @property
    def is_catch_all(self) -> bool:
        return not self.model_dump(exclude_none=True)


def _any_of(value: object) -> object:
    return [value] if isinstance(value, Mapping) else value


AnyOf = Annotated[list[Match], BeforeValidator(_any_of), Field(min_length=1)]
"""A match, or a list of matches of which any may hold (`when: [{warranty: true}, {cross_department: true}]`)."""


def holds(conditions: list[Match] | None, facts: Mapping[str, str]) -> bool:
    """Whether a `when` holds for a complaint's facts (no `when` always holds)."""
    return conditions is None or any(match.matches(facts) for match in conditions)


class ClockTarget(_Strict):
    """One clock of a policy: its target on a calendar, optionally only `when` the complaint matches."""

    target: Duration
    calendar: str = "24x7"
    when: AnyOf | None = None
    grading: Grading | None = None


class EscalationStep(_Strict):
    after: Duration
    calendar: str
    to: list[Audience]


class ExtraAudience(_Strict):
    when: AnyOf
    levels: list[Level]
    to: list[Audience]

    @field_validator("levels")
    @classmethod
    def _breach_levels(cls, value: list[Level]) -> list[Level]:
        if Level.REPORT in value:
            raise ValueError(
                "`report` is no breach level: a notice on an event goes to the audiences of its `notify` rule"
            )
        return value


class NotifyRule(_Strict):
    """A notice on an event, not on a breach: when a complaint that matches `when` has one of the `events`,
    each audience `to` is told once. A rule for `received` also fires when a `triage` makes a complaint match."""

    events: Annotated[list[NotifyEvent], BeforeValidator(_listify), Field(min_length=1)]
    when: AnyOf | None = None
    to: Annotated[list[Audience], Field(min_length=1)]
    reason: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _yaml_on(cls, value: object) -> object:
        if isinstance(value, Mapping) and True in value:
            raise ValueError("name the events under `events:` (YAML reads a key `on` as true)")
        return value


TOP_SCORE = 5
"""Surveys score 1 to 5."""


class SatisfactionRule(_Strict):
    """How surveys (scores 1-5) are judged: the month passes when at least `pass_mark` of its surveys score
    `satisfied_from` or more; a survey under `low_under` (of the top score) is low, and a customer with
    `low_surveys` low surveys may terminate the contract (the monthly report names them)."""

    pass_mark: Annotated[Percent, Field(le=100)] = 85
    satisfied_from: Annotated[int, Field(ge=1, le=5)] = 4
    low_under: Annotated[Percent, Field(le=100)] = 60
    low_surveys: Annotated[int, Field(ge=1, le=100)] = 3

    def satisfied(self, score: int) -> bool:
        return score >= self.satisfied_from

    def low(self, score: int) -> bool:
        return score * 100 < self.low_under * TOP_SCORE


class EscalationLadder(_Strict):
    """Who hears of each level; `also` adds audiences for matching complaints."""

    warning: list[Audience] = Field(default_factory=list)
    minor: list[Audience] = Field(default_factory=list)
    major: list[Audience] = Field(default_factory=list)
    escalation: EscalationStep | None = None
    also: list[ExtraAudience] = Field(default_factory=list)


class DigestSpec(_Strict):
    """Escalation emails: an hourly digest for each hour `hourly_calendar` was open, a daily summary at
    `daily_at` (policy time zone), each to the `recipients` of an audience."""

    hourly_calendar: str | None = None
    daily_at: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):00$")] | None = None
    recipients: dict[Audience, list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]]] = Field(
        default_factory=dict
    )
    monthly_report_to: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]] = Field(default_factory=list)


class AssignMatch(_Strict):
    """Conditions an `assign` rule may put: what the submission itself says (not the priority or complexity
    being assigned)."""

    category: Categories | None = None
    channel: Channels | None = None
    customer_tier: OneOrMany | None = None

    def matches(self, facts: Mapping[str, str]) -> bool:
        return all(facts.get(field) in allowed for field, allowed in self.model_dump(exclude_none=True).items())


class AssignRule(_Strict):
    """The priority and complexity a complaint starts with when its submission does not give them (a source that
    may not set them: the public form). Staff change them later with a `triage` event."""

    when: AssignMatch = Field(default_factory=AssignMatch)
    priority: Priority = Priority.GENERAL
    complexity: Complexity = Complexity.GENERAL


class StormControl(_Strict):
    """Per audience, at most `limit` individual notices in each `window` (fixed windows, counted from the start of
    the hour); every further notice of that window goes out in one roll-up notice per audience."""

    limit: int = Field(default=20, ge=1, le=1000)
    window: Duration = Field(default_factory=lambda: parse_target("5m"))

    @field_validator("window")
    @classmethod
    def _window(cls, value: Target) -> Target:
        if value.days or not 60 <= value.seconds <= 3600 or 3600 % value.seconds:
            raise ValueError("the window must divide an hour evenly, between 1m and 1h (e.g. 5m)")
        return value

    @property
    def window_seconds(self) -> int:
        return self.window.seconds


class PolicyEntry(_Strict):
    name: str = Field(min_length=1, max_length=80)
    match: Match = Field(default_factory=Match)
    clocks: dict[ClockName, ClockTarget]


class PolicyFile(_Strict):
    """The whole policy file."""

    version: str = Field(min_length=1, max_length=40)
    timezone: str = "Asia/Shanghai"
    language: Language = DEFAULT_LANGUAGE  # what notices and emails are written in: zh-CN or en
    calendars: dict[str, CalendarSpec]
    grading: Grading = Field(default_factory=Grading)
    clocks: dict[ClockName, ClockRules]
    escalation: EscalationLadder = Field(default_factory=EscalationLadder)
    notify: list[NotifyRule] = Field(default_factory=list)
    satisfaction: SatisfactionRule = Field(default_factory=SatisfactionRule)
    digests: DigestSpec = Field(default_factory=DigestSpec)
    assign: list[AssignRule] = Field(default_factory=list)
    storm: StormControl = Field(default_factory=StormControl)
    policies: list[PolicyEntry] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return CalendarSpec._known_zone(value)

    @model_validator(mode="after")
    def _consistent(self) -> PolicyFile:
        for name, spec in self.calendars.items():
            try:
                spec.build(name)
            except ValueError as exc:
                raise ValueError(f"calendars.{name}: {exc}") from exc
        seen: set[str] = set()
        last = len(self.policies) - 1
        for index, policy in enumerate(self.policies):
            if policy.name in seen:
                raise ValueError(f"policies.{index}.name: another policy is already named {policy.name!r}")
            seen.add(policy.name)
            if index < last and policy.match.is_catch_all:
                raise ValueError(
                    f"policies.{index}.match: only the last policy may be a catch-all (no `match`); "
                    "the policies after it would never apply"
                )
            for clock, target in policy.clocks.items():
                where = f"policies.{index}.clocks.{clock}"
                if clock not in self.clocks:
                    raise ValueError(f"{where}: clock {clock!r} has no rules under `clocks`")
                if target.calendar not in self.calendars:
                    raise ValueError(f"{where}.calendar: unknown calendar {target.calendar!r}")
        if not self.policies[last].match.is_catch_all:
            raise ValueError(
                f"policies.{last}.match: the last policy must be a catch-all (no `match`), so every complaint gets one"
            )
        hourly = self.digests.hourly_calendar
        if hourly is not None and hourly not in self.calendars:
            raise ValueError(f"digests.hourly_calendar: unknown calendar {hourly!r}")
        step = self.escalation.escalation
        if step is not None and step.calendar not in self.calendars:
            raise ValueError(f"escalation.escalation.calendar: unknown calendar {step.calendar!r}")
        return self


@dataclass(frozen=True)
class PolicySet:
    """A loaded policy file, ready to pick policies, build clocks and name audiences."""

    file: PolicyFile
    calendars: Mapping[str, Calendar]
    display: Calendar

    @property
    def version(self) -> str:
        return self.file.version

    def calendar(self, name: str) -> Calendar:
        """A calendar by name; one a newer policy file dropped counts as always open (wall-clock time)."""
        return self.calendars.get(name) or AlwaysOpen(name=name, tz=self.display.tz)

    def select(self, facts: Mapping[str, str]) -> PolicyEntry:
        """The first policy whose `match` holds for the complaint's facts (the last is a catch-all)."""
        for policy in self.file.policies:
            if policy.match.matches(facts):
                return policy
        raise AssertionError("the validated policy file ends with a catch-all")

    def assigned(self, facts: Mapping[str, str]) -> AssignRule:
        """The priority and complexity of the first `assign` rule that holds for a submission's `facts` (general
        and general when none does)."""
        for rule in self.file.assign:
            if rule.when.matches(facts):
                return rule
        return AssignRule()

    def clocks_for(self, policy: PolicyEntry, facts: Mapping[str, str]) -> dict[str, Clock]:
        """The clocks (not yet started) a complaint with these facts gets under `policy`."""
        step = self.file.escalation.escalation
        escalation = None
        if step is not None:
            escalation = Escalation(
                after_seconds=self.calendars[step.calendar].seconds_of(step.after), calendar=step.calendar
            )
        clocks: dict[str, Clock] = {}
        for name, target in policy.clocks.items():
            if not holds(target.when, facts):
                continue
            rules = self.file.clocks[name]
            grading = target.grading or self.file.grading
            clocks[name] = Clock(
                name=name,
                target=str(target.target),
                target_seconds=self.calendars[target.calendar].seconds_of(target.target),
                calendar=target.calendar,
                warning_percent=grading.warning_at,
                minor_until_percent=grading.minor_until,
                starts_on=tuple(rules.starts_on),
                stops_on=tuple(rules.stops_on),
                ends_on=tuple(rules.ends_on),
                pauses_on=tuple(rules.pauses_on),
                escalation=escalation,
            )
        return clocks

    def audiences(self, level: Level, facts: Mapping[str, str]) -> tuple[Audience, ...]:
        """Who hears of a notice of `level` for a complaint with these facts, in ladder order, once each."""
        ladder = self.file.escalation
        steps: dict[Level, list[Audience]] = {
            Level.WARNING: ladder.warning,
            Level.MINOR: ladder.minor,
            Level.MAJOR: ladder.major,
            Level.ESCALATION: ladder.escalation.to if ladder.escalation else [],
        }
        found = list(steps.get(level, []))
        for extra in ladder.also:
            if level in extra.levels and holds(extra.when, facts):
                found.extend(extra.to)
        return tuple(dict.fromkeys(found))

    def reported(
        self, event: EventType, facts: Mapping[str, str], before: Mapping[str, str] | None = None
    ) -> dict[Audience, list[NotifyRule]]:
        """Who is told of `event` on a complaint with these facts (and the rules that say so), by the `notify`
        rules: those for the event whose `when` holds; for a `triage` (the facts `before` it given), also those
        for `received` whose `when` holds now and did not before."""
        found: dict[Audience, list[NotifyRule]] = {}
        for rule in self.file.notify:
            fires = event in rule.events and holds(rule.when, facts)
            if before is not None and EventType.RECEIVED in rule.events:
                fires = fires or (holds(rule.when, facts) and not holds(rule.when, before))
            if fires:
                for audience in rule.to:
                    found.setdefault(audience, []).append(rule)
        return found


def parse_policy(text: str, source: str) -> PolicySet:
    """Parse and validate a policy file's text; `source` names the file in error messages."""
    policy_file = load_yaml_model(text, source, PolicyFile, PolicyError)
    calendars = {name: spec.build(name) for name, spec in policy_file.calendars.items()}
    display = AlwaysOpen(name="display", tz=ZoneInfo(policy_file.timezone))
    return PolicySet(file=policy_file, calendars=calendars, display=display)
