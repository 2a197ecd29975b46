"""Service-level tests: the use cases on the in-memory twins, no HTTP and no emulator (the contract suites keep the
twins true to the adapters). `world` is the twins' world of tests/conftest.py; `add` stores complaints as intake
would."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.intake import validate_submission
from chalicelib.domain.opening import build_complaint, received_event
from tests.conftest import World

SUBMISSION: dict[str, Any] = {
    "customer_name": "测试客户",
    "customer_email": "customer@example.com",
    "category": "service",
    "priority": "urgent",
    "subject": "service level",
}
Add = Callable[..., list[str]]


@pytest.fixture
def add(world: World) -> Add:
    """Store `count` complaints received `minutes_ago` before `now` (default fields: an urgent service one)."""

    def store(now: datetime, count: int = 1, minutes_ago: float = 25, **fields: Any) -> list[str]:
        received = now - timedelta(minutes=minutes_ago)
        submission = validate_submission({**SUBMISSION, **fields, "received_at": received.isoformat()}, now)
        template = build_complaint(submission, world.services.policies, "template", now, "test")
        ids = []
        for _ in range(count):
            complaint = template.model_copy(update={"id": uuid.uuid4().hex})
            world.adapters.complaints.create(complaint, received_event(complaint, now, "test"), [])
            ids.append(complaint.id)
        return ids

    return store
