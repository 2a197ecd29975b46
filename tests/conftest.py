"""Shared fixtures: moto AWS built from infra/resources.yaml, the Chalice test client, request counting."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib import wiring
from infra import moto_fixes
from infra.definitions import LocalResources, create_resources
from infra.request_counter import DynamoRequests

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


@pytest.fixture
def dynamodb_requests(aws: LocalResources) -> DynamoRequests:
    """Counts the requests the app's own DynamoDB client makes."""
    return DynamoRequests(wiring.client("dynamodb"))
