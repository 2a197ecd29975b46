"""Shared fixtures: moto AWS built from infra/resources.yaml, the Chalice test client, request counting."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib import wiring
from infra import moto_fixes
from infra.definitions import LocalResources, create_resources

moto_fixes.apply()

pytest_plugins = ["tests.privacy"]  # no log record of the session may carry a customer's contact details

STAFF_TOKEN = "test-staff-token"
STAFF = {"Authorization": f"Bearer {STAFF_TOKEN}"}

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalResources]:
    """moto with the table, topics and queues of infra/resources.yaml; the app's environment uses them."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        resources = create_resources(boto3.Session(region_name="us-east-1"))
        for name, value in resources.environment().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("STAFF_TOKENS", STAFF_TOKEN)
        wiring.reset()
        yield resources
        wiring.reset()


@pytest.fixture
def api(aws: LocalResources) -> Iterator[Any]:
    """chalice.test.Client over the app, against moto."""
    from chalice.test import Client

    import app as application

    with Client(application.app, stage_name="local") as client:
        yield client


class RequestCounter:
    """Counts AWS requests by operation (and items read) through a botocore event hook on a client."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.items_read = 0

    def before_call(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    def after_call(self, parsed: Any, model: Any, **_: Any) -> None:
        if isinstance(parsed, dict):
            self.items_read += int(parsed.get("ScannedCount", parsed.get("Count", 0)) or 0)
            if "Item" in parsed:
                self.items_read += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def reset(self) -> None:
        self.calls.clear()
        self.items_read = 0


@pytest.fixture
def dynamodb_requests(aws: LocalResources) -> RequestCounter:
    """Counts the requests the app's own DynamoDB client makes."""
    counter = RequestCounter()
    events = wiring.client("dynamodb").meta.events
    events.register("before-call.dynamodb", counter.before_call)
    events.register("after-call.dynamodb", counter.after_call)
    return counter
