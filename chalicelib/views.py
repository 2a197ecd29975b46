"""What the API shows: a stored complaint -> a JSON-ready dict, times in the policy's zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain import clocks as clock_rules
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.workflow import allowed_events


def complaint_view(complaint: Complaint, now: datetime, policies: PolicySet, *, staff: bool) -> dict[str, Any]:
    """The complaint as the API returns it; contact details only for staff."""
    zone = policies.display.tz
    shown: dict[str, Any] = {
        "id": complaint.id,
        "status": complaint.status.value,
        "received_at": complaint.received_at.astimezone(zone).isoformat(),
        "category": complaint.category.value,
        "priority": complaint.priority.value,
        "complexity": complaint.complexity.value,
        "channel": complaint.channel.value,
        "subject": complaint.subject,
        "external_id": complaint.external_id,
        "policy": {"name": complaint.policy.name, "version": complaint.policy.version},
        "clocks": {
            name: clock_rules.view(clock, now, policies.calendars, policies.display)
            for name, clock in complaint.clocks.items()
            if clock.cycle is not None
        },
        "version": complaint.version,
    }
    if complaint.quarantine is not None:
        quarantine = complaint.quarantine
        shown["quarantine"] = {
            "error": quarantine.error,
            "since": quarantine.since.astimezone(zone).isoformat(),
            "attempts": quarantine.attempts,
            "retry_at": quarantine.retry_at.astimezone(zone).isoformat(),
        }
    if staff:
        shown["customer"] = complaint.customer.model_dump()
        shown["customer_tier"] = complaint.customer_tier
        shown["description"] = complaint.description
        shown["assignee"] = complaint.assignee
        shown["paused_reason"] = complaint.paused_reason
        shown["satisfaction"] = complaint.satisfaction
        shown["resolved_at"] = (
            None if complaint.resolved_at is None else complaint.resolved_at.astimezone(zone).isoformat()
        )
        shown["closed_at"] = None if complaint.closed_at is None else complaint.closed_at.astimezone(zone).isoformat()
        shown["allowed_events"] = list(allowed_events(complaint))
        shown["created_at"] = complaint.created_at.astimezone(zone).isoformat()
    return shown


def event_view(event: AuditEvent, policies: PolicySet) -> dict[str, Any]:
    """An audit event as the API returns it, times in the policy's zone."""
    zone = policies.display.tz
    return {
        "sequence": event.sequence,
        "type": event.type,
        "at": event.at.astimezone(zone).isoformat(),
        "recorded_at": event.recorded_at.astimezone(zone).isoformat(),
        "by": event.by,
        "status_before": None if event.status_before is None else event.status_before.value,
        "status_after": event.status_after.value,
        "details": dict(event.details),
    }
