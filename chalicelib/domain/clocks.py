"""Clocks: a deadline that runs on a calendar from a start event to a stop event, graded as it elapses.

Flow: the policy gives a `Clock` (target, calendar, rules) -> `start`/`apply_event`/`pause`/`resume` move its
current `Cycle` (started_at + paused working time -> thresholds) -> `grade`, `current_level` and
`next_threshold` read it at a given `now`. Every function is pure: calendars and `now` are passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.calendar import Calendar, CalendarNotCovered
from chalicelib.domain.vocabulary import ClockState, Grade, Level

LEVEL_ORDER: tuple[Level, ...] = (Level.WARNING, Level.MINOR, Level.MAJOR, Level.ESCALATION)
_ACTIVE = (ClockState.RUNNING, ClockState.PAUSED)


class Escalation(BaseModel):
    """The step after a major breach: still open this long after it (on `calendar`) escalates again."""

    model_config = ConfigDict(frozen=True)

    after_seconds: int
    calendar: str


class Agreement(BaseModel):
    """A deadline agreed with the customer (the `agree` event): it replaces the cycle's deadline. `paused_seconds`
    is the working time the cycle had been paused when it was agreed: only a pause after the agreement pushes the
    agreed deadline out."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    deadline: datetime
    paused_seconds: int = 0


class Cycle(BaseModel):
    """One run of a clock: started once, paused any number of times, ended once."""

    model_config = ConfigDict(frozen=True)

    number: int
    state: ClockState
    started_at: datetime
    paused_seconds: int = 0
    pauses: tuple[tuple[datetime, datetime], ...] = ()
    paused_at: datetime | None = None
    pause_reason: str | None = None
    warning_at: datetime | None = None
    deadline: datetime | None = None
    major_at: datetime | None = None
    escalate_at: datetime | None = None
    error: str | None = None
    provisional: bool = False
    provisional_years: tuple[int, ...] = ()
    ended_at: datetime | None = None
    final_grade: Grade | None = None
    notified: Level | None = None
    agreement: Agreement | None = None


class Clock(BaseModel):
    """A clock of one complaint: its terms (fixed at intake) and its current and past cycles."""

    model_config = ConfigDict(frozen=True)

    name: str
    target: str
    target_seconds: int
    calendar: str
    warning_percent: int = 75
    minor_until_percent: int = 200
    starts_on: tuple[str, ...]
    stops_on: tuple[str, ...] = ()
    ends_on: tuple[str, ...] = ()
    pauses_on: tuple[str, ...] = ()
    escalation: Escalation | None = None
    cycle: Cycle | None = None
    history: tuple[Cycle, ...] = ()

    @property
    def active(self) -> bool:
        """True while the current cycle is running or paused."""
        return self.cycle is not None and self.cycle.state in _ACTIVE


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("clock times must be timezone-aware")
    return moment.astimezone(UTC)


_THRESHOLD_NAMES = {
    "warning_at": Level.WARNING.value,
    "deadline": "deadline",
    "major_at": "major breach",
    "escalate_at": Level.ESCALATION.value,
}


def _thresholds(
    clock: Clock,
    started_at: datetime,
    paused_seconds: int,
    calendars: Mapping[str, Calendar],
    agreement: Agreement | None = None,
) -> dict[str, object]:
    """The cycle's thresholds, in time order (warning, deadline, major, escalation); the provisional years
    (schedules not yet confirmed) any of them was computed through, and whether the deadline itself was.

    With an `agreement` the deadline is the agreed time (pushed out by the working time paused since it was
    agreed), the warning comes at `warning_percent` of the way from the agreement to it, and the major breach
    as long after it as after a deadline of the clock's own target.

    From the first one that needs holiday data for a year outside every calendar's data, that threshold and
    the later ones are None and `error` says why: a 24x7 deadline stays known even when the escalation step
    after it falls in such a year on the office calendar.
    """
    calendar = calendars[clock.calendar]
    target = clock.target_seconds
    found: dict[str, object] = dict.fromkeys(_THRESHOLD_NAMES) | {"error": None, "provisional": False}
    provisional: set[int] = set()
    missing = "warning_at"
    try:
        if agreement is None:
            warning_at = _utc(calendar.add(started_at, target * clock.warning_percent / 100 + paused_seconds))
            deadline = _utc(calendar.add(started_at, target + paused_seconds))
            major_at = _utc(calendar.add(started_at, target * clock.minor_until_percent / 100 + paused_seconds))
        else:
            later = max(0, paused_seconds - agreement.paused_seconds)
            agreed = _utc(agreement.deadline)
            deadline = _utc(calendar.add(agreed, later)) if later else agreed
            span = calendar.measure(agreement.at, agreed) if agreed > agreement.at else 0.0
            warning_at = min(_utc(calendar.add(agreement.at, span * clock.warning_percent / 100 + later)), deadline)
            major_at = _utc(calendar.add(deadline, target * (clock.minor_until_percent - 100) / 100))
        found["warning_at"] = warning_at
        missing = "deadline"
        found["deadline"] = deadline
        found["provisional"] = bool(calendar.provisional_years(started_at, deadline))
        missing = "major_at"
        found["major_at"] = major_at
        provisional.update(calendar.provisional_years(started_at, major_at))
        missing = "escalate_at"
        if clock.escalation is not None:
            step = clock.escalation
            escalate_at = _utc(calendars[step.calendar].add(major_at, step.after_seconds))
            found["escalate_at"] = escalate_at
            provisional.update(calendars[step.calendar].provisional_years(major_at, escalate_at))
    except CalendarNotCovered as exc:
        if found["deadline"] is None:
            found["error"] = str(exc)
        else:
            found["error"] = f"no {_THRESHOLD_NAMES[missing]} time: {exc}"
    found["provisional_years"] = tuple(sorted(provisional))
    return found


def recompute(clock: Clock, calendars: Mapping[str, Calendar]) -> Clock:
    """The clock with its running or paused cycle's thresholds computed again from its start and the working
    time it was paused (after a provisional year is confirmed); what was notified stays notified."""
    cycle = clock.cycle
    if cycle is None or not clock.active:
        return clock
    paused = cycle.paused_seconds
    if cycle.pauses:
        calendar = calendars[clock.calendar]
        paused = sum(round(calendar.measure(begin, end)) for begin, end in cycle.pauses)
    thresholds = _thresholds(clock, cycle.started_at, paused, calendars, cycle.agreement)
    return clock.model_copy(update={"cycle": cycle.model_copy(update={"paused_seconds": paused, **thresholds})})


def retarget(clock: Clock, terms: Clock, calendars: Mapping[str, Calendar]) -> Clock:
    """The clock under new terms (a triage matched the complaint to another policy): the target, calendar,
    grading and rules of `terms`, the cycles of `clock`; a running or paused cycle's thresholds are computed
    again from its start (an agreed deadline stays agreed, what was notified stays notified)."""
    return recompute(terms.model_copy(update={"cycle": clock.cycle, "history": clock.history}), calendars)


def agree(clock: Clock, deadline: datetime, at: datetime, calendars: Mapping[str, Calendar]) -> Clock:
    """Set the running or paused cycle's deadline to a time agreed with the customer at `at`."""
    cycle = clock.cycle
    if cycle is None or not clock.active:
        raise ValueError(f"clock {clock.name} is not running")
    paused = cycle.paused_seconds
    if cycle.paused_at is not None:
        paused += round(calendars[clock.calendar].measure(cycle.paused_at, max(_utc(at), cycle.paused_at)))
    agreement = Agreement(at=_utc(at), deadline=_utc(deadline), paused_seconds=paused)
    thresholds = _thresholds(clock, cycle.started_at, paused, calendars, agreement)
    return clock.model_copy(update={"cycle": cycle.model_copy(update={"agreement": agreement, **thresholds})})


def confirmed_since(clock: Clock, calendars: Mapping[str, Calendar]) -> bool:
    """Whether a provisional year of the clock's active cycle has been confirmed since it was computed."""
    cycle = clock.cycle
    if cycle is None or not clock.active or not cycle.provisional_years:
        return False
    names = [clock.calendar] + ([clock.escalation.calendar] if clock.escalation else [])
    used = [calendar for name in names if (calendar := calendars.get(name)) is not None]
    return any(all(calendar.is_confirmed(year) for calendar in used) for year in cycle.provisional_years)


def start(clock: Clock, at: datetime, calendars: Mapping[str, Calendar]) -> Clock:
    """Start a new cycle at `at`; a finished cycle goes to history first."""
    history = clock.history
    number = 1
    if clock.cycle is not None:
        history = (*history, clock.cycle)
        number = clock.cycle.number + 1
    started_at = _utc(at)
    cycle = Cycle(
        number=number,
        state=ClockState.RUNNING,
        started_at=started_at,
        **_thresholds(clock, started_at, 0, calendars),
    )
    return clock.model_copy(update={"cycle": cycle, "history": history})


def grade(clock: Clock, now: datetime) -> Grade:
    """The grade of the current cycle at `now`; frozen while paused and once ended."""
    cycle = clock.cycle
    if cycle is None:
        return Grade.OK
    if cycle.final_grade is not None:
        return cycle.final_grade
    moment = cycle.paused_at if cycle.paused_at is not None else _utc(now)
    return _grade_at(cycle, moment)


def _grade_at(cycle: Cycle, moment: datetime) -> Grade:
    if cycle.major_at is not None and moment > cycle.major_at:
        return Grade.MAJOR
    if cycle.deadline is not None and moment > cycle.deadline:
        return Grade.MINOR
    if cycle.warning_at is not None and moment >= cycle.warning_at:
        return Grade.WARNING
    return Grade.OK


def _reached(cycle: Cycle, level: Level, moment: datetime) -> bool:
    instant = _instant(cycle, level)
    if instant is None:
        return False
    if level in (Level.MINOR, Level.MAJOR):
        return moment > instant
    return moment >= instant


def _instant(cycle: Cycle, level: Level) -> datetime | None:
    return {
        Level.WARNING: cycle.warning_at,
        Level.MINOR: cycle.deadline,
        Level.MAJOR: cycle.major_at,
        Level.ESCALATION: cycle.escalate_at,
    }[level]


def current_level(clock: Clock, now: datetime) -> Level | None:
    """The highest notice level a running cycle has reached at `now` (None if none, or not running)."""
    cycle = clock.cycle
    if cycle is None or cycle.state is not ClockState.RUNNING:
        return None
    moment = _utc(now)
    reached = [level for level in LEVEL_ORDER if _reached(cycle, level, moment)]
    return reached[-1] if reached else None


def next_threshold(clock: Clock) -> tuple[datetime, Level] | None:
    """The next threshold of a running cycle that has not been notified yet."""
    cycle = clock.cycle
    if cycle is None or cycle.state is not ClockState.RUNNING:
        return None
    done = -1 if cycle.notified is None else LEVEL_ORDER.index(cycle.notified)
    for level in LEVEL_ORDER[done + 1 :]:
        instant = _instant(cycle, level)
        if instant is not None:
            return instant, level
    return None


def mark_notified(clock: Clock, level: Level) -> Clock:
    """Record that the notices of `level` (and so every lower level) are claimed for the current cycle."""
    if clock.cycle is None:
        raise ValueError(f"clock {clock.name} has not started")
    return clock.model_copy(update={"cycle": clock.cycle.model_copy(update={"notified": level})})


def _resumed(clock: Clock, at: datetime, calendars: Mapping[str, Calendar]) -> Cycle:
    """The current cycle with a pause (if any) ended at `at` and its thresholds pushed out."""
    cycle = clock.cycle
    assert cycle is not None
    if cycle.paused_at is None:
        return cycle
    end = max(_utc(at), cycle.paused_at)
    resumed: dict[str, object] = {"state": ClockState.RUNNING, "paused_at": None, "pause_reason": None}
    try:
        paused = cycle.paused_seconds + round(calendars[clock.calendar].measure(cycle.paused_at, end))
    except CalendarNotCovered as exc:  # how long the pause lasted is unknown: say so rather than guess
        unknown = dict.fromkeys(_THRESHOLD_NAMES)
        return cycle.model_copy(update=resumed | unknown | {"error": str(exc)})
    thresholds = _thresholds(clock, cycle.started_at, paused, calendars, cycle.agreement)
    pauses = (*cycle.pauses, (cycle.paused_at, end))
    return cycle.model_copy(update=resumed | {"paused_seconds": paused, "pauses": pauses} | thresholds)


def pause(clock: Clock, reason: str, at: datetime) -> Clock:
    """Pause a running cycle if this clock pauses for `reason`; otherwise it keeps running."""
    cycle = clock.cycle
    if cycle is None or cycle.state is not ClockState.RUNNING or reason not in clock.pauses_on:
        return clock
    paused = cycle.model_copy(update={"state": ClockState.PAUSED, "paused_at": _utc(at), "pause_reason": reason})
    return clock.model_copy(update={"cycle": paused})


def resume(clock: Clock, at: datetime, calendars: Mapping[str, Calendar]) -> Clock:
    """End a pause: the working time it lasted extends every threshold of the cycle."""
    if clock.cycle is None or clock.cycle.state is not ClockState.PAUSED:
        return clock
    return clock.model_copy(update={"cycle": _resumed(clock, at, calendars)})


def _end(clock: Clock, at: datetime, calendars: Mapping[str, Calendar], satisfied: bool) -> Clock:
    cycle = _resumed(clock, at, calendars)
    moment = max(_utc(at), cycle.started_at)
    if satisfied:
        on_time = cycle.deadline is None or moment <= cycle.deadline
        state = ClockState.MET if on_time else ClockState.BREACHED
    else:
        state = ClockState.STOPPED
    ended = cycle.model_copy(update={"state": state, "ended_at": moment, "final_grade": _grade_at(cycle, moment)})
    return clock.model_copy(update={"cycle": ended})


def apply_event(clock: Clock, event: str, at: datetime, calendars: Mapping[str, Calendar]) -> Clock:
    """Move the clock for a complaint event (`received`, `respond`, `resolve`, `reopen`, ...) at `at`.

    A stop event ends the cycle as met or breached; an end event stops it without judging it; a start event
    starts the next cycle (so a periodic clock that both stops and starts on an event restarts on it).
    """
    if clock.active and event in clock.stops_on:
        clock = _end(clock, at, calendars, satisfied=True)
    elif clock.active and event in clock.ends_on:
        clock = _end(clock, at, calendars, satisfied=False)
    if event in clock.starts_on and not clock.active:
        clock = start(clock, at, calendars)
    return clock


def stop_unjudged(clock: Clock, at: datetime, calendars: Mapping[str, Calendar]) -> Clock:
    """Stop a clock that is still running when its complaint closes, without judging it."""
    return _end(clock, at, calendars, satisfied=False) if clock.active else clock


def view(clock: Clock, now: datetime, calendars: Mapping[str, Calendar], display: Calendar) -> dict[str, object]:
    """What the API shows of a started clock at `now`, times in the zone of `display`.

    The deadline is the one fixed when the cycle started; `error` says what could not be worked out (a year
    without holiday data, or a calendar the current policy file no longer has).
    """
    cycle = clock.cycle
    assert cycle is not None
    moment = cycle.ended_at or cycle.paused_at or _utc(now)
    shown: dict[str, object] = {
        "state": cycle.state.value,
        "cycle": cycle.number,
        "started_at": cycle.started_at.astimezone(display.tz).isoformat(),
        "deadline": None if cycle.deadline is None else cycle.deadline.astimezone(display.tz).isoformat(),
        "target": clock.target,
        "calendar": clock.calendar,
        "paused_seconds": cycle.paused_seconds,
        "grade": grade(clock, now).value,
        "provisional": cycle.provisional,
        "agreed": cycle.agreement is not None,
    }
    error = cycle.error
    calendar = calendars.get(clock.calendar)
    if calendar is None:
        error = error or f"calendar {clock.calendar!r} is not in the current policy file"
    else:
        try:
            if cycle.state is ClockState.PAUSED and cycle.paused_at is not None:
                shown["paused_seconds"] = cycle.paused_seconds + round(
                    calendar.measure(cycle.paused_at, max(_utc(now), cycle.paused_at))
                )
            if cycle.deadline is not None and moment <= cycle.deadline:
                shown["remaining_seconds"] = round(calendar.measure(moment, cycle.deadline))
            elif cycle.deadline is not None:
                shown["overdue_seconds"] = round(calendar.measure(cycle.deadline, moment))
        except CalendarNotCovered as exc:
            error = error or str(exc)
    if error is not None:
        shown["error"] = error
    if cycle.ended_at is not None:
        shown["ended_at"] = cycle.ended_at.astimezone(display.tz).isoformat()
    if cycle.pause_reason is not None:
        shown["pause_reason"] = cycle.pause_reason
    return shown
