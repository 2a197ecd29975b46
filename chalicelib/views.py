"""What the API shows: a stored complaint -> its response model (times in the policy's zone); the models are the
ones the OpenAPI document publishes, so a response and its schema cannot drift apart."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain import clocks as clock_rules
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.vocabulary import (
    Category,
    Channel,
    ClockState,
    Complexity,
    EventType,
    Flag,
    Grade,
    PauseReason,
    Priority,
    Status,
)
from chalicelib.domain.workflow import StaffEvent, allowed_events


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClockView(_View):
    """A started clock's current cycle. Seconds are working time on the clock's calendar."""

    state: ClockState
    cycle: int
    started_at: str
    deadline: str | None
    target: str
    calendar: str
    paused_seconds: int
    grade: Grade
    provisional: bool = Field(
        description="True while the deadline rests on a year whose adjusted working days are not yet confirmed "
        "(counted on the statutory holidays); it is recomputed when the year is confirmed"
    )
    agreed: bool = Field(
        default=False, description="True when the deadline is a time agreed with the customer (an `agree` event)"
    )
    remaining_seconds: int | None = None
    overdue_seconds: int | None = None
    ended_at: str | None = None
    pause_reason: PauseReason | None = None
    error: str | None = None


class QuarantineView(_View):
    """Why the scanner could not evaluate the complaint's clocks, since when, and its next try."""

    error: str
    since: str
    attempts: int
    retry_at: str


class PolicyView(_View):
    name: str
    version: str


class ContactView(_View):
    name: str
    email: str | None
    phone: str | None


class ErasureView(_View):
    """The customer's personal data was erased: when, by whom, why."""

    at: str
    by: str
    reason: str


class ComplaintView(_View):
    """A complaint as the intake webhook answers it (no contact details)."""

    id: str = Field(pattern=r"^[0-9a-f]{32}$")
    status: Status
    received_at: str
    category: Category
    priority: Priority
    complexity: Complexity
    channel: Channel
    cross_department: bool
    warranty: bool
    remote_area: bool
    subject: str
    external_id: str | None
    policy: PolicyView
    clocks: dict[str, ClockView]
    version: int
    quarantine: QuarantineView | None = None
    receipt_url: str | None = Field(
        default=None,
        description="The customer's status page (on PUBLIC_BASE_URL): only in the 201 that created the complaint; "
        "its token is stored hashed, so a repeat delivery cannot show it again",
    )


class StaffComplaintView(ComplaintView):
    """A complaint as staff see it."""

    customer: ContactView
    customer_tier: str
    description: str
    assignee: str | None
    paused_reason: PauseReason | None
    satisfaction: int | None
    resolved_at: str | None
    closed_at: str | None
    created_at: str
    allowed_events: list[StaffEvent]
    erased: ErasureView | None = None


class ComplaintPage(_View):
    items: list[StaffComplaintView]
    next_cursor: str | None


class AuditEventView(_View):
    sequence: int
    type: EventType
    at: str
    recorded_at: str
    by: str
    status_before: Status | None
    status_after: Status
    details: dict[str, str]


class AuditTrail(_View):
    items: list[AuditEventView]


class IgnoredDelivery(_View):
    """A delivery whose event the source does not accept (a partial response): answered, nothing stored."""

    stored: bool
    detail: str


class FieldProblem(_View):
    field: str
    message: str


class ProblemDetails(_View):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None


def _shown(moment: datetime, policies: PolicySet) -> str:
    return moment.astimezone(policies.display.tz).isoformat()


def _maybe(moment: datetime | None, policies: PolicySet) -> str | None:
    return None if moment is None else _shown(moment, policies)


def complaint_view(complaint: Complaint, now: datetime, policies: PolicySet, *, staff: bool) -> ComplaintView:
    """The complaint as the API returns it; contact details only for staff."""
    shown: dict[str, Any] = {
        "id": complaint.id,
        "status": complaint.status,
        "received_at": _shown(complaint.received_at, policies),
        "category": complaint.category,
        "priority": complaint.priority,
        "complexity": complaint.complexity,
        "channel": complaint.channel,
        **{flag.value: getattr(complaint, flag.value) for flag in Flag},
        "subject": complaint.subject,
        "external_id": complaint.external_id,
        "policy": PolicyView(name=complaint.policy.name, version=complaint.policy.version),
        "clocks": {
            name: ClockView.model_validate(clock_rules.view(clock, now, policies.calendars, policies.display))
            for name, clock in complaint.clocks.items()
            if clock.cycle is not None
        },
        "version": complaint.version,
    }
    if complaint.quarantine is not None:
        quarantine = complaint.quarantine
        shown["quarantine"] = QuarantineView(
            error=quarantine.error,
            since=_shown(quarantine.since, policies),
            attempts=quarantine.attempts,
            retry_at=_shown(quarantine.retry_at, policies),
        )
    if not staff:
        return ComplaintView(**shown)
    if complaint.erased is not None:
        erased = complaint.erased
        shown["erased"] = ErasureView(at=_shown(erased.at, policies), by=erased.by, reason=erased.reason)
    return StaffComplaintView(
        **shown,
        customer=ContactView(**complaint.customer.model_dump()),
        customer_tier=complaint.customer_tier,
        description=complaint.description,
        assignee=complaint.assignee,
        paused_reason=complaint.paused_reason,
        satisfaction=complaint.satisfaction,
        resolved_at=_maybe(complaint.resolved_at, policies),
        closed_at=_maybe(complaint.closed_at, policies),
        created_at=_shown(complaint.created_at, policies),
        allowed_events=list(allowed_events(complaint)),
    )


def event_view(event: AuditEvent, policies: PolicySet) -> AuditEventView:
    """An audit event as the API returns it, times in the policy's zone."""
    return AuditEventView(
        sequence=event.sequence,
        type=event.type,
        at=_shown(event.at, policies),
        recorded_at=_shown(event.recorded_at, policies),
        by=event.by,
        status_before=event.status_before,
        status_after=event.status_after,
        details=dict(event.details),
    )
