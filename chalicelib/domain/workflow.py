"""Staff workflow: a complaint + a staff event request at `now` -> the complaint after it (status, clocks,
assignee, flags, satisfaction) and the audit event that records it; or `InvalidTransition` naming the current state
and the events allowed in it. One small step per event type (`STEPS`). Pure: the policies (their calendars), the
audit trail where a step needs it (`triage`) and `now` are passed in."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
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
from chalicelib.domain.model import AuditEvent, Complaint, PolicyRef
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.vocabulary import (
    CLOCK_EVENTS,
    STAFF_EVENTS,
    Category,
    ClockName,
    ClockState,
    Complexity,
    EventType,
    Flag,
    PauseReason,
    Priority,
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
    Status.OPEN: (
        E.RESPOND, E.PROGRESS_UPDATE, E.SITE_VISIT, E.HANDOFF, E.APPROVE, E.PLAN, E.DISPATCH, E.REPLY, E.ASSIGN,
        E.RESOLVE, E.PAUSE, E.RESUME, E.AGREE, E.TRIAGE, E.NOTE,
    ),
    Status.RESOLVED: (E.CONFIRM, E.REOPEN, E.SITE_VISIT, E.ASSIGN, E.PAUSE, E.RESUME, E.AGREE, E.NOTE),
    Status.CLOSED: (E.SATISFACTION, E.REOPEN, E.NOTE),
}  # fmt: skip

TRIAGED = ("priority", "complexity", "category", *(flag.value for flag in Flag))
"""What a triage may change."""
_ONLY_FOR: dict[str, tuple[EventType, ...]] = {
    "department": (E.HANDOFF,),
    "clock": (E.AGREE,),
    "deadline": (E.AGREE,),
    "customer_informed": (E.PAUSE,),
    **dict.fromkeys(TRIAGED, (E.TRIAGE,)),
}
"""Fields that belong to some event types only (given with another, they would silently do nothing)."""


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
    customer_informed: StrictBool | StrictStr | None = Field(
        default=None,
        description="force majeure pause: true (the customer was told the times are extended), or the ISO 8601 "
        "time they will be told",
    )
    score: Annotated[StrictInt, Field(ge=1, le=5)] | None = None
    department: Annotated[StrictStr, Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="handoff: the department the complaint is handed to"
    )
    clock: ClockName | None = Field(default=None, description="agree: the clock whose deadline is agreed")
    deadline: StrictStr | None = Field(
        default=None, description="agree: the time agreed with the customer, ISO 8601 with offset"
    )
    priority: Priority | None = Field(default=None, description="triage: the new priority")
    complexity: Complexity | None = Field(default=None, description="triage: the new complexity")
    category: Category | None = Field(default=None, description="triage: the new category")
    cross_department: StrictBool | None = Field(default=None, description="triage: the new flag")
    warranty: StrictBool | None = Field(default=None, description="triage: the new flag")
    remote_area: StrictBool | None = Field(default=None, description="triage: the new flag")

    @field_validator("by", "assignee", "department")
    @classmethod
    def _single_line(cls, value: str | None) -> str | None:
        return None if value is None else _check_text(value, multiline=False)

    def triaged(self) -> dict[str, object]:
        """The fields a triage request gives, with their new values."""
        return {name: value for name in TRIAGED if (value := getattr(self, name)) is not None}

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
        self.paused = paused
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


def _instant(text: str, name: str, errors: list[FieldError]) -> datetime | None:
    """An ISO 8601 instant with an offset, or None with the error named."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        errors.append(FieldError(name, "is not an ISO 8601 date-time"))
        return None
    if moment.tzinfo is None:
        errors.append(FieldError(name, "must include a UTC offset"))
        return None
    return moment


def _event_time(text: str | None, complaint: Complaint, now: datetime, errors: list[FieldError]) -> datetime:
    if text is None:
        return now
    at = _instant(text, "at", errors)
    if at is None:
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
    """What an event type needs besides its type and author, and fields given for a type they do not belong to."""
    kind = request.type
    errors = []
    for name, types in _ONLY_FOR.items():
        if getattr(request, name) is not None and kind not in types:
            errors.append(FieldError(name, f"is only for {choices(types)}"))
    if kind is E.ASSIGN and request.assignee is None:
        errors.append(FieldError("assignee", "is required to assign"))
    if kind is E.HANDOFF and request.department is None:
        errors.append(FieldError("department", "is required to hand off: the department it goes to"))
    if kind is E.PAUSE and request.reason is None:
        errors.append(FieldError("reason", f"is required to pause: {choices(tuple(PauseReason))}"))
    if kind is E.PAUSE and request.reason is PauseReason.FORCE_MAJEURE:
        if not request.note:
            errors.append(FieldError("note", "is required for force majeure: say what happened"))
        if request.customer_informed is None or request.customer_informed is False:
            errors.append(
                FieldError(
                    "customer_informed",
                    "the customer must be told that the times are extended: true, or when they will be told",
                )
            )
        elif isinstance(request.customer_informed, str):
            _instant(request.customer_informed, "customer_informed", errors)
    elif kind is E.PAUSE and request.customer_informed is not None:
        errors.append(FieldError("customer_informed", "is only for a force majeure pause"))
    if kind is E.AGREE:
        if request.clock is None:
            errors.append(FieldError("clock", "is required to agree a deadline: the clock it is for"))
        if request.deadline is None:
            errors.append(FieldError("deadline", "is required: the time agreed with the customer"))
        if not request.note:
            errors.append(FieldError("note", "is required to agree a deadline: say why, and with whom"))
    if kind is E.TRIAGE and not request.triaged():
        errors.append(FieldError("type", f"a triage changes at least one of {', '.join(TRIAGED)}"))
    if kind is E.SATISFACTION and request.score is None:
        errors.append(FieldError("score", "is required: 1 to 5"))
    if kind is E.NOTE and not request.note:  # blank is empty: the text is stripped when it is read
        errors.append(FieldError("note", "is required for a note: write what it says"))
    return errors


def _against_complaint(request: EventRequest, at: datetime, complaint: Complaint, errors: list[FieldError]) -> None:
    """What an agreement or a triage must make sense of on this complaint."""
    if request.type is E.AGREE and request.clock is not None and request.deadline is not None:
        clock = complaint.clocks.get(request.clock)
        if clock is None or not clock.active:
            running = [name for name, each in complaint.clocks.items() if each.active]
            errors.append(FieldError("clock", f"is not running on this complaint; running: {', '.join(running)}"))
        agreed = _instant(request.deadline, "deadline", errors)
        if agreed is not None and agreed <= at:
            errors.append(FieldError("deadline", "must be later than the agreement (`at`, default now)"))
    triaged = request.triaged()
    if request.type is E.TRIAGE and triaged and all(getattr(complaint, n) == v for n, v in triaged.items()):
        errors.append(FieldError("type", "this triage changes nothing: the complaint already has these values"))


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
    if not errors:
        _against_complaint(request, at, complaint, errors)
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
    """What one event does to a complaint: its clocks, the fields it sets, and what its audit event adds."""

    clocks: dict[str, Clock]
    fields: dict[str, object] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What a step may read besides the complaint: the policies (their calendars) and, for a triage, the audit
    trail (the clocks a new policy adds are run through it)."""

    policies: PolicySet
    trail: Sequence[AuditEvent] = ()

    @property
    def calendars(self) -> Mapping[str, Calendar]:
        return self.policies.calendars


Step = Callable[[Complaint, EventRequest, datetime, Context], Change]


def needs_trail(event_type: object) -> bool:
    """Whether applying this event type reads the complaint's audit trail."""
    return event_type == E.TRIAGE


def _move_clocks(complaint: Complaint, event: EventType, at: datetime, context: Context) -> Change:
    """The clocks moved by a clock event; closing a case (resolve, confirm, reopen) ends a pause first."""
    calendars = context.calendars
    clocks = dict(complaint.clocks)
    fields: dict[str, object] = {}
    if complaint.paused_reason is not None and event in (E.RESOLVE, E.CONFIRM, E.REOPEN):
        clocks = {name: clock_rules.resume(clock, at, calendars) for name, clock in clocks.items()}
        fields["paused_reason"] = None
    moved = {name: clock_rules.apply_event(clock, event, at, calendars) for name, clock in clocks.items()}
    return Change(moved, fields)


def _clock_event(complaint: Complaint, request: EventRequest, at: datetime, context: Context) -> Change:
    return _move_clocks(complaint, request.type, at, context)


def _resolve(complaint: Complaint, request: EventRequest, at: datetime, context: Context) -> Change:
    moved = _move_clocks(complaint, request.type, at, context)
    return Change(moved.clocks, moved.fields | {"status": Status.RESOLVED, "resolved_at": at})


def _confirm(complaint: Complaint, request: EventRequest, at: datetime, context: Context) -> Change:
    moved = _move_clocks(complaint, request.type, at, context)
    calendars = context.calendars
    stopped = {name: clock_rules.stop_unjudged(clock, at, calendars) for name, clock in moved.clocks.items()}
    return Change(stopped, moved.fields | {"status": Status.CLOSED, "closed_at": at})


def _reopen(complaint: Complaint, request: EventRequest, at: datetime, context: Context) -> Change:
    moved = _move_clocks(complaint, request.type, at, context)
    fields = {"status": Status.OPEN, "resolved_at": None, "closed_at": None, "satisfaction": None}
    return Change(moved.clocks, moved.fields | fields)  # a new cycle: its own survey is owed


def _assign(complaint: Complaint, request: EventRequest, at: datetime, context: Context) -> Change:
    return Change(dict(complaint.clocks), {"assignee": request.assignee})


def _pause(complaint: Complaint, request: EventRequest, at: datetime, context: Context) -> Change:
    assert request.reason is not None
    reason = request.reason
    clocks = {name: clock_rules.pause(clock, reason, at) for name, clock in complaint.clocks.items()}
    details = {}
    if request.customer_informed is not None:
        details["customer_informed"] = "true" if request.customer_informed is True else str(request.customer_informed)
    return Change(clocks, {"paused_reason": reason.value}, details)


def _resume(complaint: Complaint, request: EventRequest, at: datetime, context: Context) -> Change:
    clocks = {name: clock_rules.resume(clock, at, context.calendars) for name, clock in complaint.clocks.items()}
    return Change(clocks, {"paused_reason": None})


def _agree(complaint: Complaint, request: EventRequest, at: datetime, context: Context) -> Change:
    """A deadline agreed with the customer replaces the clock's (001 part 1, 5.3.3(4); remote areas, part 4)."""
    assert request.clock is not None
    assert request.deadline is not None
    clock = complaint.clocks[request.clock]
    cycle = clock.cycle
    assert cycle is not None
    if cycle.deadline is not None and at > cycle.deadline:
        shown = cycle.deadline.astimezone(context.policies.display.tz).isoformat()
        raise Conflict(
            f"The {request.clock.value} deadline passed at {shown}; a time agreed after a deadline does not undo its "
            "breach."
        )
    agreed = datetime.fromisoformat(request.deadline)
    moved = clock_rules.agree(clock, agreed, at, context.calendars)
    details = {"clock": request.clock.value, "deadline_before": _shown(cycle.deadline, context)}
    details["deadline"] = _shown(moved.cycle.deadline if moved.cycle else None, context)
    return Change({**complaint.clocks, request.clock.value: moved}, details=details)


def _shown(moment: datetime | None, context: Context) -> str:
    return "" if moment is None else moment.astimezone(context.policies.display.tz).isoformat()


def _replay(clock: Clock, complaint: Complaint, context: Context) -> Clock:
    """A clock a new policy adds, run through the complaint's audit trail by the workflow's own steps, as though it
    had been there from intake (started at receipt, stopped, paused and resumed by what has happened since)."""
    name, calendars = clock.name, context.calendars
    if not any(event.type is E.RECEIVED for event in context.trail):
        return clock_rules.apply_event(clock, E.RECEIVED, complaint.received_at, calendars)
    replayed = complaint.model_copy(update={"clocks": {name: clock}, "status": Status.OPEN, "paused_reason": None})
    for event in sorted(context.trail, key=lambda each: each.sequence):
        if event.type is E.RECEIVED:
            started = clock_rules.apply_event(replayed.clocks[name], E.RECEIVED, event.at, calendars)
            replayed = replayed.model_copy(update={"clocks": {name: started}})
        elif event.type in _REPLAYED:
            request = EventRequest(type=event.type, by=event.by, reason=event.details.get("reason"))
            change = STEPS[event.type](replayed, request, event.at, context)
            replayed = replayed.model_copy(update={**change.fields, "clocks": change.clocks})
    return replayed.clocks[name]


def _triage(complaint: Complaint, request: EventRequest, at: datetime, context: Context) -> Change:
    """New priority, complexity, category or flags: the policy is matched again and the clocks follow it, each
    from its own start — kept clocks take the new terms, new ones are run through the trail, dropped ones end
    unjudged (and never start again)."""
    changed = {name: value for name, value in request.triaged().items() if getattr(complaint, name) != value}
    after = complaint.model_copy(update=changed)
    policies, calendars = context.policies, context.calendars
    facts = after.facts()
    policy = policies.select(facts)
    terms = policies.clocks_for(policy, facts)
    clocks: dict[str, Clock] = {}
    for name, clock in complaint.clocks.items():
        if name in terms:
            clocks[name] = clock_rules.retarget(clock, terms[name], calendars)
        else:
            clocks[name] = clock_rules.stop_unjudged(clock, at, calendars).model_copy(update={"starts_on": ()})
    for name, fresh in terms.items():
        if name not in clocks:
            clocks[name] = _replay(fresh, complaint, context)
    details = {f"{name}_before": _text(getattr(complaint, name)) for name in changed}
    details |= {name: _text(value) for name, value in changed.items()}
    if policy.name != complaint.policy.name:
        details["policy_before"] = f"{complaint.policy.name}@{complaint.policy.version}"
    details["policy"] = f"{policy.name}@{policies.version}"
    for name, clock in clocks.items():  # the deadlines the triage moved; a clock it added has no deadline before
        before = complaint.clocks[name].cycle if name in complaint.clocks else None
        if clock.active and clock.cycle is not None and (before is None or clock.cycle.deadline != before.deadline):
            if before is not None:
                details[f"{name}_deadline_before"] = _shown(before.deadline, context)
            details[f"{name}_deadline_after"] = _shown(clock.cycle.deadline, context)
    fields = {**changed, "policy": PolicyRef(name=policy.name, version=policies.version)}
    return Change(clocks, fields, details)


def _text(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _satisfaction(complaint: Complaint, request: EventRequest, at: datetime, context: Context) -> Change:
    """The survey's score, judged by the policy's satisfaction rule (recorded, so that reports count it so)."""
    assert request.score is not None
    rule = context.policies.file.satisfaction
    judged = {"satisfied": _text(rule.satisfied(request.score)), "low": _text(rule.low(request.score))}
    return Change(dict(complaint.clocks), {"satisfaction": request.score}, judged)


def _note(complaint: Complaint, request: EventRequest, at: datetime, context: Context) -> Change:
    return Change(dict(complaint.clocks))


STEPS: dict[EventType, Step] = {
    E.RESPOND: _clock_event,
    E.PROGRESS_UPDATE: _clock_event,
    E.SITE_VISIT: _clock_event,
    E.HANDOFF: _clock_event,
    E.APPROVE: _clock_event,
    E.PLAN: _clock_event,
    E.DISPATCH: _clock_event,
    E.REPLY: _clock_event,
    E.RESOLVE: _resolve,
    E.CONFIRM: _confirm,
    E.REOPEN: _reopen,
    E.ASSIGN: _assign,
    E.PAUSE: _pause,
    E.RESUME: _resume,
    E.AGREE: _agree,
    E.TRIAGE: _triage,
    E.SATISFACTION: _satisfaction,
    E.NOTE: _note,
}


_REPLAYED = frozenset({E.PAUSE, E.RESUME, *CLOCK_EVENTS}) - {E.RECEIVED}
"""The recorded events a clock added by a triage is run through (by their steps)."""


def _details(request: EventRequest) -> dict[str, str]:
    given = {
        "note": request.note,
        "assignee": request.assignee,
        "reason": request.reason,
        "score": request.score,
        "department": request.department,
    }
    return {key: str(value) for key, value in given.items() if value is not None}


def apply_event(
    complaint: Complaint,
    request: EventRequest,
    at: datetime,
    now: datetime,
    policies: PolicySet,
    trail: Sequence[AuditEvent] = (),
) -> tuple[Complaint, AuditEvent]:
    """The complaint after a valid staff event, and its audit event (next sequence number). `trail`: the
    complaint's audit trail, for the event types that read it (`needs_trail`)."""
    allowed = allowed_events(complaint)
    if request.type not in allowed:
        raise InvalidTransition(request.type, complaint.status, complaint.paused_reason is not None, allowed)
    change = STEPS[request.type](complaint, request, at, Context(policies, trail))
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
        details=_details(request) | change.details | clock_outcomes(complaint, updated),
    )
    return updated, event
