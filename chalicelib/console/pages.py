"""What the console's pages show: the board's rows, a complaint's clocks and timeline, each in words (the
language's `Texts`), with the instants the live countdowns tick toward. Templates only lay these out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from itertools import groupby

from chalicelib.console.texts import Texts
from chalicelib.domain import clocks as clock_rules
from chalicelib.domain.board import Board, BoardRow
from chalicelib.domain.calendar import AlwaysOpen
from chalicelib.domain.clocks import Clock
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.notices import NOTIFIER, SCANNER
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.sources import SourceSpec
from chalicelib.domain.vocabulary import (
    CUSTOMER,
    Audience,
    Category,
    Channel,
    ClockName,
    ClockState,
    Complexity,
    EventType,
    Flag,
    Grade,
    Level,
    NoticeType,
    PauseReason,
    Priority,
    Status,
)

_GRADES = tuple(Grade)


def epoch_ms(moment: datetime | None) -> int | None:
    return None if moment is None else round(moment.timestamp() * 1000)


def countdown(texts: Texts, deadline: datetime, now: datetime) -> str:
    """What a live countdown shows at `now` (console.js writes the same every second): 剩余 0:12:30 / 12:30 overdue."""
    seconds = int(abs((deadline - now).total_seconds()))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    shown = texts("countdown.days", d=days, h=hours) if days else f"{hours}:{minutes:02d}:{secs:02d}"
    return texts("countdown.left" if deadline >= now else "countdown.overdue", t=shown)


@dataclass(frozen=True)
class Ticking:
    """A running deadline the page counts down to, and the instants its grade changes at."""

    text: str
    deadline_ms: int
    warning_ms: int | None
    major_ms: int | None


def _ticking(
    texts: Texts, deadline: datetime | None, warning: datetime | None, major: datetime | None, now: datetime
) -> Ticking | None:
    if deadline is None:
        return None
    return Ticking(countdown(texts, deadline, now), epoch_ms(deadline) or 0, epoch_ms(warning), epoch_ms(major))


@dataclass(frozen=True)
class RowView:
    id: str
    subject: str
    priority: str
    urgent: bool
    category: str
    assignee: str | None
    status: str | None
    grade: str
    grade_word: str
    clock: str | None
    paused: bool
    deadline: str | None
    unknown_deadline: bool
    provisional: bool
    ticking: Ticking | None


def board_rows(board: Board, texts: Texts, now: datetime) -> list[RowView]:
    return [_row(row, texts, now) for row in board.rows]


def _row(row: BoardRow, texts: Texts, now: datetime) -> RowView:
    complaint, stake = row.complaint, row.stake
    running = stake is not None and stake.state is ClockState.RUNNING
    return RowView(
        id=complaint.id,
        subject=complaint.subject,
        priority=texts.word(complaint.priority),
        urgent=complaint.priority is Priority.URGENT,
        category=texts.word(complaint.category),
        assignee=complaint.assignee,
        status=None if complaint.status is Status.OPEN else texts.word(complaint.status),
        grade=row.grade.value,
        grade_word=texts.word(row.grade),
        clock=None if stake is None else texts.word(stake.clock),
        paused=stake is not None and stake.state is ClockState.PAUSED,
        deadline=None if stake is None or stake.deadline is None else texts.time(stake.deadline, year=False),
        unknown_deadline=stake is not None and stake.deadline is None,
        provisional=stake is not None and stake.provisional,
        ticking=_ticking(texts, stake.deadline, stake.warning_at, stake.major_at, now)
        if stake is not None and running
        else None,
    )


@dataclass(frozen=True)
class ClockCard:
    name: str
    state: str
    state_word: str
    grade: str
    grade_word: str
    cycle: int
    target: str
    started: str
    deadline: str | None
    ended: str | None
    used_percent: int | None
    progress: int
    working_left: str | None
    markers: list[str]
    """Message keys of what is special about the deadline: provisional (issue 14 adds agreed)."""
    pause_reason: str | None
    unknown_deadline: bool
    ticking: Ticking | None


def clock_cards(complaint: Complaint, now: datetime, policies: PolicySet, texts: Texts) -> list[ClockCard]:
    """Every started clock of the complaint, in the vocabulary's order."""
    order = list(ClockName)
    started = [clock for clock in complaint.clocks.values() if clock.cycle is not None]
    started.sort(key=lambda clock: order.index(ClockName(clock.name)))
    return [_card(clock, now, policies, texts) for clock in started]


def _card(clock: Clock, now: datetime, policies: PolicySet, texts: Texts) -> ClockCard:
    cycle = clock.cycle
    assert cycle is not None
    shown = clock_rules.view(clock, now, policies.calendars, policies.display)
    grade = Grade(str(shown["grade"]))
    state = ClockState(str(shown["state"]))
    remaining, overdue = shown.get("remaining_seconds"), shown.get("overdue_seconds")
    used = None
    if isinstance(remaining, int):
        used = round(100 * (clock.target_seconds - remaining) / clock.target_seconds)
    elif isinstance(overdue, int):
        used = round(100 * (clock.target_seconds + overdue) / clock.target_seconds)
    working = not isinstance(policies.calendar(clock.calendar), AlwaysOpen)
    working_left = None
    if working and clock.active and isinstance(remaining, int):
        working_left = texts("clock.left_working", time=texts.duration(remaining))
    elif working and clock.active and isinstance(overdue, int):
        working_left = texts("clock.overdue_working", time=texts.duration(overdue))
    running = state is ClockState.RUNNING
    return ClockCard(
        name=texts.word(ClockName(clock.name)),
        state=state.value,
        state_word=texts.word(state),
        grade=grade.value,
        grade_word=texts.word(grade),
        cycle=cycle.number,
        target=texts.target(clock.target, working),
        started=texts.time(cycle.started_at),
        deadline=None if cycle.deadline is None else texts.time(cycle.deadline),
        ended=None if cycle.ended_at is None else texts.time(cycle.ended_at),
        used_percent=None if used is None else max(0, used),
        progress=0 if used is None else max(0, min(100, used)),
        working_left=working_left,
        markers=["clock.provisional"] if cycle.provisional and clock.active else [],
        pause_reason=None if cycle.pause_reason is None else texts.word(PauseReason(cycle.pause_reason)),
        unknown_deadline=clock.active and cycle.deadline is None,
        ticking=_ticking(texts, cycle.deadline, cycle.warning_at, cycle.major_at, now) if running else None,
    )


@dataclass
class Entry:
    """One line of the timeline."""

    kind: str
    at: str
    by: str
    title: str
    lines: list[str] = field(default_factory=list)
    note: str | None = None


def timeline(trail: list[AuditEvent], texts: Texts, sources: Mapping[str, SourceSpec]) -> list[Entry]:
    """The audit trail in words, newest first; the notices of one level sent at once are one entry. `sources`: the
    intake sources, whose titles name where a complaint came from."""
    entries: list[Entry] = []
    for _, group in groupby(trail, key=_notice_group):
        events = list(group)
        entries.append(_entry(events, texts, sources))
    entries.reverse()
    return entries


def _notice_group(event: AuditEvent) -> tuple[object, ...]:
    if event.type is not EventType.NOTICE:
        return ("event", event.sequence)
    details = event.details
    return ("notice", event.at, details.get("type"), details.get("clock") or details.get("event"), details.get("level"))


def _by(name: str, texts: Texts, sources: Mapping[str, SourceSpec]) -> str:
    """Who did it, in words: a person by their staff name; the system, the customer and an intake source in words
    (a source by its title, else by what kind of source it is; never by its key)."""
    if name == SCANNER:
        return texts("by.scanner")
    if name == NOTIFIER:
        return texts("by.notify")
    if name == "calendar":
        return texts("by.calendar")
    if name.startswith("webhook:"):
        source = sources.get(name.removeprefix("webhook:"))
        if source is not None and source.title:
            return source.title
        return texts("by.public_form" if source is not None and not source.signed else "by.system")
    if name == CUSTOMER:
        return texts("by.customer")
    return name


_TRIAGED: tuple[tuple[str, type[Priority] | type[Complexity] | type[Category]], ...] = (
    ("priority", Priority),
    ("complexity", Complexity),
    ("category", Category),
)


def _triage_lines(details: Mapping[str, str], texts: Texts) -> list[str]:
    """What a triage changed, each field from its old value to its new one, in words."""
    lines = []
    for name, kind in _TRIAGED:
        if f"{name}_before" in details and name in details:
            before, after = (_word_of(kind, details[key], texts) for key in (f"{name}_before", name))
            lines.append(texts("timeline.changed", field=texts(f"form.{name}"), before=before, after=after))
    for flag in Flag:
        if f"{flag.value}_before" in details and flag.value in details:
            before, after = (
                texts("timeline.yes" if details[key] == "true" else "timeline.no")
                for key in (f"{flag.value}_before", flag.value)
            )
            lines.append(texts("timeline.changed", field=texts.word(flag), before=before, after=after))
    return lines


def _word_of(kind: type[StrEnum], value: str | None, texts: Texts) -> str:
    """A value the trail recorded, in words; as recorded when it is no value of `kind` (an old trail's)."""
    try:
        return texts.word(kind(value or ""))
    except ValueError:
        return value or ""


def _entry(events: list[AuditEvent], texts: Texts, sources: Mapping[str, SourceSpec]) -> Entry:
    first = events[0]
    details = first.details
    entry = Entry(first.type.value, texts.time(first.at), _by(first.by, texts, sources), texts.word(first.type))
    if first.type is EventType.NOTICE:
        audiences = [texts.word(Audience(e.details["audience"])) for e in events if e.details.get("audience")]
        level = texts.word(Level(details.get("level", Level.WARNING.value)))
        if details.get("type") == NoticeType.RESOLVED.value:
            level = texts.word(NoticeType.RESOLVED)
        clock = _word_of(ClockName, details.get("clock"), texts)
        if details.get("type") == NoticeType.EVENT.value:
            clock = texts.word(EventType(details.get("event", EventType.RECEIVED.value)))
        entry.lines.append(texts("timeline.notice", clock=clock, level=level, audiences=texts.listing(audiences)))
        return entry
    if first.status_before is not None and first.status_before is not first.status_after:
        before, after = texts.word(first.status_before), texts.word(first.status_after)
        entry.lines.append(texts("timeline.status", before=before, after=after))
    if "assignee" in details:
        entry.lines.append(texts("timeline.assignee", name=details["assignee"]))
    if "reason" in details:
        entry.lines.append(texts("timeline.reason", reason=texts.word(PauseReason(details["reason"]))))
    if "score" in details:
        entry.lines.append(texts("timeline.score", score=details["score"]))
    if first.type is EventType.RECEIVED and "channel" in details:
        entry.lines.append(texts("timeline.channel", channel=texts.word(Channel(details["channel"]))))
    if first.type is EventType.TRIAGE:
        entry.lines += _triage_lines(details, texts)
    for name in ClockName:
        outcome = details.get(f"{name.value}_outcome")
        if outcome is not None:
            entry.lines.append(texts("timeline.outcome", clock=texts.word(name), state=texts.word(ClockState(outcome))))
        old, new = details.get(f"{name.value}_deadline_before"), details.get(f"{name.value}_deadline_after")
        if first.type is EventType.TRIAGE and old is None and new is not None:  # a clock the triage added
            entry.lines.append(texts("timeline.added", clock=texts.word(name), after=_moment(new, texts)))
            continue
        moved = old and new if first.type is EventType.RECOMPUTED else first.type is EventType.TRIAGE and old != new
        if moved:
            shown = [_moment(value or "", texts) for value in (old, new)]
            entry.lines.append(texts("timeline.recomputed", clock=texts.word(name), before=shown[0], after=shown[1]))
    entry.note = details.get("note")
    return entry


def _moment(value: str, texts: Texts) -> str:
    """A stored instant in words ("none" when a deadline could not be worked out)."""
    try:
        return texts.time(datetime.fromisoformat(value))
    except ValueError:
        return texts("clock.unknown")
