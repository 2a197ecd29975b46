"""Open a complaint: a submitted mapping + delivery keys -> validated, given its policy and clocks, stored
once (one DynamoDB transaction), or the complaint an earlier delivery of the same submission created."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib import keys
from chalicelib.adapters.dynamo import ComplaintRepository, DuplicateDelivery, IdempotencyClaim
from chalicelib.domain import clocks as clock_rules
from chalicelib.domain.errors import Conflict, Unavailable
from chalicelib.domain.intake import Submission, validate_submission
from chalicelib.domain.model import (
    AuditEvent,
    Category,
    Channel,
    Complaint,
    Complexity,
    Contact,
    PolicyRef,
    Priority,
    Status,
)
from chalicelib.domain.policy import PolicySet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryKeys:
    """What identifies a delivery besides its content: the caller's idempotency key and webhook id."""

    idempotency_key: str | None = None
    webhook_id: str | None = None
    source: str = "default"


@dataclass(frozen=True)
class Opened:
    """The outcome of intake: the complaint, and whether this call created it."""

    complaint: Complaint
    created: bool


def fingerprint(data: Mapping[str, Any]) -> str:
    """A stable digest of a submission's content, to tell a true repeat from a reused key."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _claims(submission: Submission, delivery: DeliveryKeys, digest: str) -> list[IdempotencyClaim]:
    claims = []
    if delivery.idempotency_key:
        claims.append(IdempotencyClaim("key", delivery.idempotency_key, digest))
    if delivery.webhook_id:
        claims.append(IdempotencyClaim(f"webhook#{delivery.source}", delivery.webhook_id, digest))
    if submission.external_id:
        claims.append(IdempotencyClaim(f"external#{delivery.source}", submission.external_id, digest))
    return claims


def build_complaint(
    submission: Submission, policies: PolicySet, complaint_id: str, now: datetime, source: str
) -> Complaint:
    """The complaint a valid submission becomes: its policy chosen and its clocks started at receipt."""
    facts = submission.facts()
    policy = policies.select(facts)
    received_at = submission.received(now)
    started = {
        name: clock_rules.apply_event(clock, "received", received_at, policies.calendars)
        for name, clock in policies.clocks_for(policy, facts).items()
    }
    return Complaint(
        id=complaint_id,
        status=Status.OPEN,
        received_at=received_at,
        created_at=now,
        customer=Contact(
            name=submission.customer_name, email=submission.customer_email, phone=submission.customer_phone
        ),
        customer_tier=submission.customer_tier,
        category=Category(submission.category),
        priority=Priority(submission.priority),
        complexity=Complexity(submission.complexity),
        channel=Channel(submission.channel),
        subject=submission.subject,
        description=submission.description,
        external_id=submission.external_id,
        source=source,
        policy=PolicyRef(name=policy.name, version=policies.version),
        clocks=started,
    )


class IntakeService:
    """Turns submissions into stored complaints exactly once per delivery."""

    def __init__(self, repository: ComplaintRepository, policies: PolicySet, due_shards: int) -> None:
        self._repository = repository
        self._policies = policies
        self._shards = due_shards

    def open(self, data: Mapping[str, Any], delivery: DeliveryKeys, now: datetime) -> Opened:
        """Validate and store a submission; a repeat delivery returns the complaint the first one made."""
        submission = validate_submission(data, now)
        digest = fingerprint(submission.model_dump())
        claims = _claims(submission, delivery, digest)
        complaint = build_complaint(submission, self._policies, uuid.uuid4().hex, now, delivery.source)
        for clock in complaint.clocks.values():
            if clock.cycle is not None and clock.cycle.error:
                log.error("complaint %s clock %s: %s", complaint.id, clock.name, clock.cycle.error)
        event = AuditEvent(
            sequence=1,
            type="received",
            at=complaint.received_at,
            recorded_at=now,
            by=f"webhook:{delivery.source}",
            status_before=None,
            status_after=Status.OPEN,
            details={
                "policy": f"{complaint.policy.name}@{complaint.policy.version}",
                "channel": complaint.channel,
            },
        )
        try:
            due = keys.due_entry(complaint.id, complaint.next_due(), self._shards)
            self._repository.create(complaint, claims, event, due)
        except DuplicateDelivery as duplicate:
            existing = self._existing([duplicate.claim])
            if existing is None:
                raise Unavailable("A concurrent delivery is being stored; please retry.", retry_after=1) from None
            return Opened(existing, created=False)
        return Opened(complaint, created=True)

    def _existing(self, claims: list[IdempotencyClaim]) -> Complaint | None:
        for claim in claims:
            bound = self._repository.complaint_for(claim)
            if bound is None:
                continue
            complaint_id, digest = bound
            if claim.scope == "key" and digest != claim.fingerprint:
                raise Conflict("This Idempotency-Key was already used for a different complaint.")
            return self._repository.get(complaint_id)
        return None
