"""The complaint and its parts: what intake produces, what is stored, what the API shows."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.clocks import Clock, next_threshold
from chalicelib.domain.operator import Quarantine
from chalicelib.domain.vocabulary import Category, Channel, Complexity, EventType, Flag, Priority, Status

FACTS = ("priority", "category", "complexity", "channel", "customer_tier", *(flag.value for flag in Flag))
"""The attributes of a complaint (or a submission) that policies match on."""


def facts_of(complaint: object) -> dict[str, str]:
    """The facts of a complaint or a submission, as text (a flag as `true` or `false`)."""
    found = {}
    for name in FACTS:
        value = getattr(complaint, name)
        found[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return found


class Contact(BaseModel):
    """The customer's contact details: stored, shown to staff, never logged nor put in a notice."""

    model_config = ConfigDict(frozen=True)

    name: str
    email: str | None = None
    phone: str | None = None


class Erasure(BaseModel):
    """The customer's personal data was erased (PIPL, GDPR): when, by whom and why."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    by: str
    reason: str


class PolicyRef(BaseModel):
    """Which policy gave a complaint its clocks."""

    model_config = ConfigDict(frozen=True)

    name: str
    version: str


class Complaint(BaseModel):
    """A stored complaint with its clocks; `version` increases with every accepted change."""

    id: str
    status: Status = Status.OPEN
    received_at: datetime
    created_at: datetime
    customer: Contact
    customer_key: str = Field(
        default="", description="a pseudonym of the customer (an HMAC of the contact under a secret key)"
    )
    customer_tier: str = "standard"
    category: Category
    priority: Priority
    complexity: Complexity
    channel: Channel
    cross_department: bool = False
    warranty: bool = False
    remote_area: bool = False
    subject: str
    description: str = ""
    external_id: str | None = None
    source: str = "default"
    assignee: str | None = None
    paused_reason: str | None = None
    satisfaction: int | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    policy: PolicyRef
    clocks: dict[str, Clock] = Field(default_factory=dict)
    version: int = 1
    event_count: int = 1
    quarantine: Quarantine | None = None
    erased: Erasure | None = None

    def next_due(self) -> datetime | None:
        """The earliest threshold of any running clock that has not been notified yet."""
        pending = [found[0] for clock in self.clocks.values() if (found := next_threshold(clock))]
        return min(pending) if pending else None

    def facts(self) -> dict[str, str]:
        """The attributes policies match on."""
        return facts_of(self)


class AuditEvent(BaseModel):
    """One entry of a complaint's audit trail: who did what, when, and the status before and after."""

    model_config = ConfigDict(frozen=True)

    sequence: int
    type: EventType
    at: datetime
    recorded_at: datetime
    by: str
    status_before: Status | None = None
    status_after: Status
    details: dict[str, str] = Field(default_factory=dict)
