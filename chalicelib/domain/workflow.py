"""Staff workflow: a complaint + a staff event request at `now` -> the complaint after it (status, clocks,
assignee, satisfaction) and the audit event that records it; or `InvalidTransition` naming the current state
and the events allowed in it. One small step per event type (`STEPS`). Pure: calendars and `now` are passed in."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    WithJsonSchema,
    field_validator,
)

from chalicelib.domain import clocks as clock_rules
from chalicelib.domain.calendar import Calendar
from chalicelib.domain.clocks import Clock
from chalicelib.domain.errors import Conflict, FieldError, InvalidFields, field_errors
from chalicelib.domain.intake import _check_text
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.vocabulary import (
    STAFF_EVENTS,
    ClockState,
    EventType,
    PauseReason,
    Status,
    choices,
    enum_schema,
    member_of,
)

MAX_SKEW = timedelta(minutes=1)
MAX_BACKDATE = timedelta(hours=1)
"""How late an event may be recorded: `at` at most this far before the server's time (a phone answer logged after
the call), never before the complaint was received. Later than that it would rewrite clocks and reports after
their notices went out; record it as a `note` instead."""
E = EventType

StaffEvent = Annotated[EventType, BeforeValidator(member_of(STAFF_EVENTS)), WithJsonSchema(enum_schema(STAFF_EVENTS))]
"""An event staff may post."""

_ALLOWED: dict[Status, tuple[EventType, ...]] = {
    Status.OPEN: (E.RESPOND, E.PROGRESS_UPDATE, E.SITE_VISIT, E.ASSIGN, E.RESOLVE, E.PAUSE, E.RESUME, E.NOTE),
    Status.RESOLVED: (E.CONFIRM, E.REOPEN, E.ASSIGN, E.PAUSE, E.RESUME, E.NOTE),
    Status.CLOSED: (E.SATISFACTION, E.REOPEN, E.NOTE),
}


class EventRequest(BaseModel):
    """A staff event as posted to /complaints/{id}/events."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: StaffEvent
    by: Annotated[StrictStr, Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="who did it: always the person the staff token belongs to (another name is 422)"
    )
    note: Annotated[StrictStr, Field(max_length=2000)] | None = None
    at: StrictStr | None = Field(
        default=None, description="ISO 8601 with offset; default now; at most 1 hour in the past, not before receipt"
    )
    assignee: Annotated[StrictStr, Field(min_length=1, max_length=100)] | None = None
    reason: PauseReason | None = None
    score: Annotated[StrictInt, Field(ge=1, le=5)] | None = None

    @field_validator("by", "assignee")
    @classmethod
    def _single_line(cls, value: str | None) -> str | None:
        return None if value is None else _check_text(value, multiline=False)

    @field_validator("note")
    @classmethod
    def _multi_line(cls, value: str | None) -> str | None:
        return None if value is None else _check_text(value, multiline=True)


class InvalidTransition(Conflict):
    """The event is not allowed in the complaint's current state."""

    def __init__(self, event: str, status: Status, paused: bool, allowed: tuple[EventType, ...]) -> None:
        state = f"{status.value} (paused)" if paused else status.value
        super().__init__(f"'{event}' is not allowed while the complaint is {state}; allowed: {', '.join(allowed)}.")
        self.status = status
        self.allowed = allowed


def allowed_events(complaint: Complaint) -> tuple[EventType, ...]:
    """The events a complaint accepts now."""
    allowed = _ALLOWED[complaint.status]
    if complaint.paused_reason is not None:
        return tuple(e for e in allowed if e is not E.PAUSE)
    allowed = tuple(e for e in allowed if e is not E.RESUME)
    if complaint.status is Status.CLOSED and complaint.satisfaction is not None:
        allowed = tuple(e for e in allowed if e is not E.SATISFACTION)
    return allowed


def _event_time(text: str | None, complaint: Complaint, now: datetime, errors: list[FieldError]) -> datetime:
    if text is None:
        return now
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        errors.append(FieldError("at", "is not an ISO 8601 date-time"))
        return now
    if at.tzinfo is None or at.utcoffset() is None:
        errors.append(FieldError("at", "must include a UTC offset"))
        return now
    if at > now + MAX_SKEW:
        errors.append(FieldError("at", "is in the future"))
    elif at < complaint.received_at:
        errors.append(FieldError("at", "is before the complaint was received"))
    elif at < now - MAX_BACKDATE:
        errors.append(
            FieldError("at", "is more than 1 hour in the past: record what happened earlier in a note instead")
        )
    return at


def _required_fields(request: EventRequest) -> list[FieldError]:
    """What an event type needs besides its type and author."""
    kind = request.type
    errors = []
    if kind is E.ASSIGN and request.assignee is None:
        errors.append(FieldError("assignee", "is required to assign"))
    if kind is E.PAUSE and request.reason is None:
        errors.append(FieldError("reason", f"is required to pause: {choices(tuple(PauseReason))}"))
    if kind is E.PAUSE and request.reason is PauseReason.FORCE_MAJEURE and not request.note:
        errors.append(FieldError("note", "is required for force majeure: say what happened"))
    if kind is E.SATISFACTION and request.score is None:
        errors.append(FieldError("score", "is required: 1 to 5"))
    return errors


def validate_event(
    data: Mapping[str, object], complaint: Complaint, now: datetime, staff: str
) -> tuple[EventRequest, datetime]:
    """Validate an event request against the complaint, posted by `staff` (the person the token belongs to): every
    bad field named; `by` may only name that person; `at` not ahead, not before receipt, at most an hour back.
    The request returned names `staff` as its author."""
    errors: list[FieldError] = []
    try:
        request = EventRequest.model_validate(data)
    except ValidationError as exc:
        raise InvalidFields(field_errors(exc, unknown="is not a field of an event")) from None
    if request.by is not None and request.by != staff:
        errors.append(
            FieldError(
                "by", f"names someone else: events are recorded under the token's person ({staff}); leave by out"
            )
        )
    request = request.model_copy(update={"by": staff})
    at = _event_time(request.at, complaint, now, errors)
    errors.extend(_required_fields(request))
    if errors:
        raise InvalidFields(errors)
    return request, at


def clock_outcomes(before: Complaint, after: Complaint) -> dict[str, str]:
    """The clocks an event met or breached, with how long each ran (wall-clock seconds): recorded in the audit
    event so that reports can be rebuilt from the trail alone."""
    outcomes: dict[str, str] = {}
    for name, clock in after.clocks.items():
        cycle = clock.cycle
        previous = before.clocks.get(name)
        if cycle is None or previous is None or previous.cycle is None or not previous.active:
            continue
        if cycle.state not in (ClockState.MET, ClockState.BREACHED) or cycle.ended_at is None:
            continue
        if previous.cycle.number != cycle.number:
            continue
        outcomes[f"{name}_outcome"] = cycle.state.value
        outcomes[f"{name}_seconds"] = str(round((cycle.ended_at - cycle.started_at).total_seconds()))
    return outcomes


# ----- one step per event type -----


@dataclass(frozen=True)
class Change:
    """What one event does to a complaint: its clocks and the fields it sets."""

    clocks: dict[str, Clock]
    fields: dict[str, object] = field(default_factory=dict)


Calendars = Mapping[str, Calendar]
Step = Callable[[Complaint, EventRequest, datetime, Calendars], Change]


def _move_clocks(complaint: Complaint, event: EventType, at: datetime, calendars: Calendars) -> Change:
    """The clocks moved by a clock event; closing a case (resolve, confirm, reopen) ends a pause first."""
    clocks = dict(complaint.clocks)
    fields: dict[str, object] = {}
    if complaint.paused_reason is not None and event in (E.RESOLVE, E.CONFIRM, E.REOPEN):
        clocks = {name: clock_rules.resume(clock, at, calendars) for name, clock in clocks.items()}
        fields["paused_reason"] = None
    moved = {name: clock_rules.apply_event(clock, event, at, calendars) for name, clock in clocks.items()}
    return Change(moved, fields)


def _clock_event(complaint: Complaint, request: EventRequest, at: datetime, calendars: Calendars) -> Change:
    return _move_clocks(complaint, request.type, at, calendars)


def _resolve(complaint: Complaint, request: EventRequest, at: datetime, calendars: Calendars) -> Change:
    moved = _move_clocks(complaint, request.type, at, calendars)
    return Change(moved.clocks, moved.fields | {"status": Status.RESOLVED, "resolved_at": at})


def _confirm(complaint: Complaint, request: EventRequest, at: datetime, calendars: Calendars) -> Change:
    moved = _move_clocks(complaint, request.type, at, calendars)
    stopped = {name: clock_rules.stop_unjudged(clock, at, calendars) for name, clock in moved.clocks.items()}
    return Change(stopped, moved.fields | {"status": Status.CLOSED, "closed_at": at})


def _reopen(complaint: Complaint, request: EventRequest, at: datetime, calendars: Calendars) -> Change:
    moved = _move_clocks(complaint, request.type, at, calendars)
    return Change(moved.clocks, moved.fields | {"status": Status.OPEN, "resolved_at": None, "closed_at": None})


def _assign(complaint: Complaint, request: EventRequest, at: datetime, calendars: Calendars) -> Change:
    return Change(dict(complaint.clocks), {"assignee": request.assignee})


def _pause(complaint: Complaint, request: EventRequest, at: datetime, calendars: Calendars) -> Change:
    assert request.reason is not None
    reason = request.reason
    clocks = {name: clock_rules.pause(clock, reason, at) for name, clock in complaint.clocks.items()}
    return Change(clocks, {"paused_reason": reason.value})


def _resume(complaint: Complaint, request: EventRequest, at: datetime, calendars: Calendars) -> Change:
    clocks = {name: clock_rules.resume(clock, at, calendars) for name, clock in complaint.clocks.items()}
    return Change(clocks, {"paused_reason": None})


def _satisfaction(complaint: Complaint, request: EventRequest, at: datetime, calendars: Calendars) -> Change:
    return Change(dict(complaint.clocks), {"satisfaction": request.score})


def _note(complaint: Complaint, request: EventRequest, at: datetime, calendars: Calendars) -> Change:
    return Change(dict(complaint.clocks))


STEPS: dict[EventType, Step] = {
    E.RESPOND: _clock_event,
    E.PROGRESS_UPDATE: _clock_event,
    E.SITE_VISIT: _clock_event,
    E.RESOLVE: _resolve,
    E.CONFIRM: _confirm,
    E.REOPEN: _reopen,
    E.ASSIGN: _assign,
    E.PAUSE: _pause,
    E.RESUME: _resume,
    E.SATISFACTION: _satisfaction,
    E.NOTE: _note,
}


def _details(request: EventRequest) -> dict[str, str]:
    given = {"note": request.note, "assignee": request.assignee, "reason": request.reason, "score": request.score}
    return {key: str(value) for key, value in given.items() if value is not None}


def apply_event(
    complaint: Complaint, request: EventRequest, at: datetime, now: datetime, calendars: Calendars
) -> tuple[Complaint, AuditEvent]:
    """The complaint after a valid staff event, and its audit event (next sequence number)."""
    allowed = allowed_events(complaint)
    if request.type not in allowed:
        raise InvalidTransition(request.type, complaint.status, complaint.paused_reason is not None, allowed)
    change = STEPS[request.type](complaint, request, at, calendars)
    assert request.by is not None, "validate_event names the author"
    sequence = complaint.event_count + 1
    updated = complaint.model_copy(update={**change.fields, "clocks": change.clocks, "event_count": sequence})
    event = AuditEvent(
        sequence=sequence,
        type=request.type,
        at=at,
        recorded_at=now,
        by=request.by,
        status_before=complaint.status,
        status_after=updated.status,
        details=_details(request) | clock_outcomes(complaint, updated),
    )
    return updated, event
