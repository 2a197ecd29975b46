"""Seed the table directly with many complaints (as intake would store them), some due and most not."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends

from chalicelib.adapters.dynamo import complaint_values, to_item
from chalicelib.domain.intake import validate_submission
from chalicelib.domain.opening import build_complaint
from tests.conftest import World

SUBMISSION: dict[str, Any] = {
    "customer_name": "测试客户",
    "customer_email": "customer@example.com",
    "category": "service",
    "priority": "urgent",
    "subject": "seeded",
}


def seed(world: World, now: datetime, open_count: int, due_count: int, due_minutes_ago: float = 25) -> list[str]:
    """Store `open_count` open complaints, `due_count` of them received `due_minutes_ago` (so due now), straight
    into moto's table as intake would store them."""
    policies = world.services.policies
    shards = world.services.settings.due_shards
    templates = {}
    for due, received in ((True, now - timedelta(minutes=due_minutes_ago)), (False, now - timedelta(seconds=5))):
        submission = validate_submission({**SUBMISSION, "received_at": received.isoformat()}, now)
        templates[due] = build_complaint(submission, policies, "template", now, "seed")
    # Straight into moto's in-process table (thousands of items through the HTTP layer would take a minute); the
    # items are exactly what the adapter writes, so the index and the reads under test see the real layout.
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].get_table(world.services.settings.table_name)
    due_ids: list[str] = []
    for number in range(open_count):
        is_due = number < due_count
        complaint = templates[is_due].model_copy(update={"id": uuid.uuid4().hex})
        if is_due:
            due_ids.append(complaint.id)
        table.put_item(to_item(complaint_values(complaint, shards)))
    return due_ids
