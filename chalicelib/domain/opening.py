"""Opening a complaint: a valid submission + the policies at `now` -> the complaint (its policy chosen, its clocks
started at receipt) and the first event of its audit trail. Pure."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain import clocks as clock_rules
from chalicelib.domain.intake import Submission
from chalicelib.domain.model import AuditEvent, Complaint, Contact, PolicyRef, facts_of
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.vocabulary import EventType, Status


def build_complaint(
    submission: Submission,
    policies: PolicySet,
    complaint_id: str,
    now: datetime,
    source: str,
    customer_key: str = "",
) -> Complaint:
    """The complaint a valid submission becomes: the priority and complexity it did not give assigned by the
    policy's `assign` rules, its policy chosen and its clocks started at receipt."""
    assigned = policies.assigned(facts_of(submission))
    triaged = submission.model_copy(
        update={
            "priority": submission.priority or assigned.priority,
            "complexity": submission.complexity or assigned.complexity,
        }
    )
    facts = facts_of(triaged)
    policy = policies.select(facts)
    received_at = submission.received(now)
    started = {
        name: clock_rules.apply_event(clock, EventType.RECEIVED, received_at, policies.calendars)
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
        customer_key=customer_key,
        customer_tier=submission.customer_tier,
        category=submission.category,
        priority=triaged.priority,
        complexity=triaged.complexity,
        channel=submission.channel,
        cross_department=submission.cross_department,
        warranty=submission.warranty,
        remote_area=submission.remote_area,
        subject=submission.subject,
        description=submission.description,
        external_id=submission.external_id,
        source=source,
        policy=PolicyRef(name=policy.name, version=policies.version),
        clocks=started,
    )


def received_event(complaint: Complaint, now: datetime, source: str) -> AuditEvent:
    """The first event of a complaint's audit trail: received from `source`, under its policy."""
    return AuditEvent(
        sequence=1,
        type=EventType.RECEIVED,
        at=complaint.received_at,
        recorded_at=now,
        by=f"webhook:{source}",
        status_before=None,
        status_after=Status.OPEN,
        details={"policy": f"{complaint.policy.name}@{complaint.policy.version}", "channel": complaint.channel},
    )
