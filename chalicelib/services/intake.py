"""Open a complaint: a submitted mapping + delivery keys -> validated, given its policy and clocks, stored once
(one write: complaint, first event, delivery keys, the notices the policy's notify rules owe on its receipt,
pending, and the customer's receipt with its owed acknowledgement), or the complaint an earlier delivery of the
same submission created. The notices are published right after the write, through the publisher, and the
acknowledgement emailed; a scan delivers any that this does not. A threshold within the timers' lookahead (one
already passed, for a complaint relayed late) gets its timer right after the write."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import FieldError, Unavailable
from chalicelib.domain.intake import Submission, validate_submission
from chalicelib.domain.model import Complaint, Contact
from chalicelib.domain.opening import build_complaint, received_event
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.report import customer_key
from chalicelib.ports import ComplaintStore, DeliveryKey, DuplicateDelivery
from chalicelib.services.idempotency import caller_key, earlier, external_key, fingerprint, webhook_key
from chalicelib.services.publisher import Publisher
from chalicelib.services.timers import Timers

if TYPE_CHECKING:
    from chalicelib.services.customer import CustomerService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """What identifies a delivery besides its content: its source (and whether it is signed), the caller's
    idempotency key, the webhook id."""

    source: str = "default"
    idempotency_key: str | None = None
    webhook_id: str | None = None
    signed: bool = True

    def keys(self, submission: Submission, digest: str) -> list[DeliveryKey]:
        """The delivery keys that must lead to one complaint, each within the source: the caller's
        Idempotency-Key; and, from a signed source only, its delivery id and its submission id (anyone can write
        those into an anonymous post, and they would lead to someone else's complaint)."""
        found = []
        if self.idempotency_key:
            found.append(caller_key(self.source, self.idempotency_key, digest))
        if self.signed and self.webhook_id:
            found.append(webhook_key(self.source, self.webhook_id, digest))
        if self.signed and submission.external_id:
            found.append(external_key(self.source, submission.external_id, digest))
        return found


@dataclass(frozen=True)
class Opened:
    """The outcome of intake: the complaint, and whether this call created it."""

    complaint: Complaint
    created: bool
    receipt_url: str | None = None
    """The customer's status page: only on the call that created the complaint (its token is stored hashed)."""


@dataclass(eq=False)
class IntakeService:
    """Turns submissions into stored complaints exactly once per delivery."""

    store: ComplaintStore
    policies: PolicySet
    publisher: Publisher
    customer: CustomerService
    pseudonym_key: bytes = field(repr=False)
    timers: Timers | None = None

    def open(
        self, data: Mapping[str, Any], delivery: Delivery, now: datetime, refused: Sequence[FieldError] = ()
    ) -> Opened:
        """Validate and store a submission (`refused`: fields its source may not set, refused with any other bad
        field); a repeat delivery returns the complaint the first one made."""
        submission = validate_submission(data, now, refused)
        keys = delivery.keys(submission, fingerprint(submission.model_dump()))
        contact = Contact(
            name=submission.customer_name, email=submission.customer_email, phone=submission.customer_phone
        )
        complaint = build_complaint(
            submission,
            self.policies,
            uuid.uuid4().hex,
            now,
            delivery.source,
            customer_key=customer_key(contact, self.pseudonym_key),
        )
        for clock in complaint.clocks.values():
            if clock.cycle is not None and clock.cycle.error:
                log.error("complaint %s clock %s: %s", complaint.id, clock.name, clock.cycle.error)
        received = received_event(complaint, now, delivery.source)
        complaint, outbox = self.publisher.owed_on(complaint, received, now)
        issued = self.customer.issue(complaint, now)
        try:
            self.store.create(complaint, received, keys, outbox, issued.receipt)
        except DuplicateDelivery as duplicate:
            complaint_id = earlier(self.store, [duplicate.key], "complaint")
            existing = None if complaint_id is None else self.store.get(complaint_id)
            if existing is None:
                raise Unavailable("A concurrent delivery is being stored; please retry.", retry_after=1) from None
            return Opened(existing, created=False)
        if self.timers is not None:  # a threshold within the lookahead (one already passed: right away)
            self.timers.follow([complaint], now)
        self.publisher.deliver_written(outbox, now)
        self.customer.acknowledge(complaint, issued, now)
        return Opened(complaint, created=True, receipt_url=issued.url)
