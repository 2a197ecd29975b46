"""Staff workflow: a complaint + a staff event request at `now` -> the complaint after it (status, clocks,
assignee, satisfaction) and the audit event that records it; or `InvalidTransition` naming the current state
and the events allowed in it. Pure: calendars and `now` are passed in."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError, field_validator

from chalicelib.domain import clocks as clock_rules
from chalicelib.domain.calendar import Calendar, CalendarNotCovered
from chalicelib.domain.errors import Conflict, FieldError, InvalidFields
from chalicelib.domain.intake import _check_text
from chalicelib.domain.model import AuditEvent, Complaint, Status

EventType = Literal[
    "respond",
    "progress_update",
    "site_visit",
    "assign",
    "resolve",
    "confirm",
    "reopen",
    "pause",
    "resume",
    "satisfaction",
    "note",
]
PauseReason = Literal["waiting_on_customer", "force_majeure"]
CLOCK_EVENTS = {"respond", "progress_update", "site_visit", "resolve", "confirm", "reopen"}
MAX_SKEW = timedelta(minutes=1)

_ALLOWED: dict[Status, tuple[str, ...]] = {
    Status.OPEN: ("respond", "progress_update", "site_visit", "assign", "resolve", "pause", "resume", "note"),
    Status.RESOLVED: ("confirm", "reopen", "assign", "pause", "resume", "note"),
    Status.CLOSED: ("satisfaction", "reopen", "note"),
}


class EventRequest(BaseModel):
    """A staff event as posted to /complaints/{id}/events."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: EventType
    by: Annotated[StrictStr, Field(min_length=1, max_length=100)]
    note: Annotated[StrictStr, Field(max_length=2000)] | None = None
    at: StrictStr | None = Field(default=None, description="ISO 8601 with offset; default now; may be backdated")
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

    def __init__(self, event: str, status: Status, paused: bool, allowed: tuple[str, ...]) -> None:
        state = f"{status.value} (paused)" if paused else status.value
        super().__init__(f"'{event}' is not allowed while the complaint is {state}; allowed: {', '.join(allowed)}.")
        self.status = status
        self.allowed = allowed


def allowed_events(complaint: Complaint) -> tuple[str, ...]:
    """The events a complaint accepts now."""
    allowed = _ALLOWED[complaint.status]
    if complaint.paused_reason is not None:
        return tuple(e for e in allowed if e != "pause")
    allowed = tuple(e for e in allowed if e != "resume")
    if complaint.status is Status.CLOSED and complaint.satisfaction is not None:
        allowed = tuple(e for e in allowed if e != "satisfaction")
    return allowed


def validate_event(data: Mapping[str, object], complaint: Complaint, now: datetime) -> tuple[EventRequest, datetime]:
    """Validate an event request against the complaint: every bad field named; `at` not ahead, not before receipt."""
    errors: list[FieldError] = []
    request: EventRequest | None = None
    try:
        request = EventRequest.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "body"
            message = "is required" if error["type"] == "missing" else str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = "is not a field of an event"
            errors.append(FieldError(field, message))
    at = now
    if request is not None:
        if request.at is not None:
            try:
                at = datetime.fromisoformat(request.at)
            except ValueError:
                errors.append(FieldError("at", "is not an ISO 8601 date-time"))
            else:
                if at.tzinfo is None:
                    errors.append(FieldError("at", "must include a UTC offset"))
                elif at > now + MAX_SKEW:
                    errors.append(FieldError("at", "is in the future"))
                elif at < complaint.received_at:
                    errors.append(FieldError("at", "is before the complaint was received"))
        kind = request.type
        if kind == "assign" and request.assignee is None:
            errors.append(FieldError("assignee", "is required to assign"))
        if kind == "pause" and request.reason is None:
            errors.append(FieldError("reason", "is required to pause: waiting_on_customer or force_majeure"))
        if kind == "pause" and request.reason == "force_majeure" and not request.note:
            errors.append(FieldError("note", "is required for force majeure: say what happened"))
        if kind == "satisfaction" and request.score is None:
            errors.append(FieldError("score", "is required: 1 to 5"))
    if errors or request is None:
        raise InvalidFields(errors)
    return request, at


def clock_outcomes(before: Complaint, after: Complaint) -> dict[str, str]:
    """The clocks an event met or breached, with how long each ran (wall-clock seconds): recorded in the audit
    event so that reports can be rebuilt from the trail alone."""
    outcomes: dict[str, str] = {}
    for name, clock in after.clocks.items():
        cycle = clock.cycle
        previous = before.clocks.get(name)
        was_active = previous is not None and previous.active and previous.cycle is not None
        if cycle is None or not was_active or cycle.state.value not in ("met", "breached"):
            continue
        assert previous is not None
        assert previous.cycle is not None
        if previous.cycle.number != cycle.number or cycle.ended_at is None:
            continue
        outcomes[f"{name}_outcome"] = cycle.state.value
        outcomes[f"{name}_seconds"] = str(round((cycle.ended_at - cycle.started_at).total_seconds()))
    return outcomes


def apply_event(
    complaint: Complaint, request: EventRequest, at: datetime, now: datetime, calendars: Mapping[str, Calendar]
) -> tuple[Complaint, AuditEvent]:
    """The complaint after a valid staff event, and its audit event (next sequence number)."""
    allowed = allowed_events(complaint)
    if request.type not in allowed:
        raise InvalidTransition(request.type, complaint.status, complaint.paused_reason is not None, allowed)
    clocks = dict(complaint.clocks)
    update: dict[str, object] = {}
    try:
        if request.type in CLOCK_EVENTS:
            if complaint.paused_reason is not None and request.type in ("resolve", "confirm", "reopen"):
                clocks = {name: clock_rules.resume(c, at, calendars) for name, c in clocks.items()}
                update["paused_reason"] = None
            clocks = {name: clock_rules.apply_event(c, request.type, at, calendars) for name, c in clocks.items()}
        elif request.type == "pause":
            assert request.reason is not None
            clocks = {name: clock_rules.pause(c, request.reason, at) for name, c in clocks.items()}
            update["paused_reason"] = request.reason
        elif request.type == "resume":
            clocks = {name: clock_rules.resume(c, at, calendars) for name, c in clocks.items()}
            update["paused_reason"] = None
        if request.type == "confirm":
            clocks = {name: clock_rules.end_all(c, at, calendars) for name, c in clocks.items()}
    except CalendarNotCovered as exc:  # pragma: no cover - clocks record such errors themselves
        raise Conflict(str(exc)) from exc
    status = complaint.status
    if request.type == "resolve":
        status = Status.RESOLVED
        update["resolved_at"] = at
    elif request.type == "confirm":
        status = Status.CLOSED
        update["closed_at"] = at
    elif request.type == "reopen":
        status = Status.OPEN
        update["resolved_at"] = None
        update["closed_at"] = None
    elif request.type == "assign":
        update["assignee"] = request.assignee
    elif request.type == "satisfaction":
        update["satisfaction"] = request.score
    sequence = complaint.event_count + 1
    updated = complaint.model_copy(update={**update, "clocks": clocks, "status": status, "event_count": sequence})
    details = {
        key: str(value)
        for key, value in {
            "note": request.note,
            "assignee": request.assignee,
            "reason": request.reason,
            "score": request.score,
        }.items()
        if value is not None
    }
    details.update(clock_outcomes(complaint, updated))
    event = AuditEvent(
        sequence=sequence,
        type=request.type,
        at=at,
        recorded_at=now,
        by=request.by,
        status_before=complaint.status,
        status_after=status,
        details=details,
    )
    return updated, event
