"""Shared fixtures: the app bootstrapped on the in-memory twins (`world`, `api`: fast, the default) or on moto with
the table, topics and queues of infra/resources.yaml (`aws_world`, `aws_api`); a clock the test sets; the Chalice
test client; DynamoDB request counting."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

import boto3
import pytest
from moto import mock_aws

from chalicelib.adapters.memory import MemoryHttpSender, MemoryMailer, MemoryNotifier, MemoryOpsNotifier, MemoryTable
from chalicelib.bootstrap import (
    Adapters,
    AwsClients,
    Services,
    aws_adapters,
    bootstrap,
    boto3_session,
    install,
    load_policies,
    memory_adapters,
)
from chalicelib.settings import Settings
from infra import moto_fixes
from infra.definitions import LocalResources, create_resources
from infra.request_counter import DynamoRequests
from tests.intake import PSEUDONYM_KEY, RELAY_SECRET

moto_fixes.apply()

pytest_plugins = ["tests.privacy"]  # no log record of the session may carry a customer's contact details

STARTED_FIRST = ("tests/e2e/test_load.py",)
"""Tests that take minutes on one worker: collected first, so that xdist starts them at once and the other workers
run the rest of the suite beside them, not after them."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the `STARTED_FIRST` modules' tests at the front (a stable sort: every other test keeps its order)."""
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in STARTED_FIRST)


STAFF_TOKEN = "test-staff-token"
SESSION_SECRET = "test-session-secret-" + "x" * 24
STAFF = {"Authorization": f"Bearer {STAFF_TOKEN}"}  # li.lei's token
OTHER_STAFF_TOKEN = "test-other-staff-token"
OTHER_STAFF = {"Authorization": f"Bearer {OTHER_STAFF_TOKEN}"}  # han.mei's token
REGION = "us-east-1"
T = TypeVar("T")

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", REGION)


class SettableClock:
    """The `Clock` port for tests: real time until `set`, then the instant set."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def now(self) -> datetime:
        return self.at if self.at is not None else datetime.now(UTC)

    def set(self, moment: datetime) -> None:
        self.at = moment


def settings_for_tests(**overrides: Any) -> Settings:
    """Settings as the template gives them, pointing at the resources `create_resources` makes."""
    values: dict[str, Any] = {
        "table_name": "ComplaintsTable",
        "alerts_topic_arn": f"arn:aws:sns:{REGION}:123456789012:AlertsTopic",
        "ops_topic_arn": f"arn:aws:sns:{REGION}:123456789012:OpsTopic",
        "public_base_url": "http://127.0.0.1:8000",
        "staff_tokens": f"li.lei={STAFF_TOKEN},han.mei={OTHER_STAFF_TOKEN}",
        "webhook_secrets": {"relay": [RELAY_SECRET]},
        "pseudonym_key": PSEUDONYM_KEY,
        "session_secret": SESSION_SECRET,
    }
    return Settings.model_validate(values | overrides)


class Twin(Generic[T]):
    """A World's adapter `port`, which must be the in-memory twin `kind` (what it recorded: sent, published)."""

    def __init__(self, port: str, kind: type[T]) -> None:
        self.port, self.kind = port, kind

    def __get__(self, world: World, owner: type[World]) -> T:
        adapter = getattr(world.adapters, self.port)
        assert isinstance(adapter, self.kind), f"the twins' {self.port}, a {self.kind.__name__}"
        return adapter


@dataclass
class World:
    """The app as a test runs it: its services (installed for the handlers), the clock, and what backs them."""

    services: Services
    clock: SettableClock
    memory: MemoryTable | None = None
    clients: AwsClients | None = None
    resources: LocalResources | None = None

    def at(self, moment: datetime) -> None:
        """Move the clock the app reads."""
        self.clock.set(moment)

    def reconfigure(self, **settings: Any) -> Services:
        """Rebuild the services with other settings (a new policy file, secrets...), keeping what is stored."""
        updated = self.services.settings.model_copy(update=settings)
        self.services = bootstrap(Settings.model_validate(updated.model_dump()), self.clock, self.services.adapters)
        install(self.services)
        return self.services

    @property
    def aws(self) -> AwsClients:
        """The boto3 clients of a world on moto (to hook faults onto, or count requests)."""
        assert self.clients is not None, "a world on moto"
        return self.clients

    @property
    def adapters(self) -> Adapters:
        return self.services.adapters

    notifier = Twin("notifier", MemoryNotifier)
    ops = Twin("ops", MemoryOpsNotifier)
    mailer = Twin("mailer", MemoryMailer)
    http = Twin("http", MemoryHttpSender)

    def complaint_count(self) -> int:
        """How many complaints are stored."""
        if self.memory is not None:
            return len(self.memory.complaints)
        return sum(1 for item in self.stored() if item["kind"]["S"] == "complaint")

    def is_empty(self) -> bool:
        """Whether nothing at all is stored."""
        stored = self.stored()
        return not any(stored.values()) if isinstance(stored, dict) else stored == []

    def stored(self) -> Any:
        """Everything stored (to compare before and after a refused request)."""
        if self.memory is not None:
            return self.memory.snapshot()
        client = boto3.client("dynamodb", region_name=REGION)
        items: list[dict[str, Any]] = []
        for page in client.get_paginator("scan").paginate(TableName="ComplaintsTable"):
            items.extend(page["Items"])
        return sorted(items, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
def world(clock: SettableClock) -> Iterator[World]:
    """The app on the in-memory twins."""
    settings = settings_for_tests()
    policies = load_policies(settings)
    table = MemoryTable(zone=policies.display.tz)
    services = bootstrap(settings, clock, memory_adapters(policies, table), policies)
    install(services)
    yield World(services, clock, memory=table)
    install(None)


@pytest.fixture
def no_storm_limit(world: World, tmp_path: Path) -> None:
    """The default policy with a storm-control limit above anything the test sends (for tests of other things:
    storm control has tests of its own, tests/services/test_storm.py)."""
    from chalicelib.settings import DEFAULT_POLICY_FILE

    text = DEFAULT_POLICY_FILE.read_text(encoding="utf-8").replace("  limit: 20 ", "  limit: 1000 ")
    assert "limit: 1000" in text
    path = tmp_path / "unthrottled.yaml"
    path.write_text(text, encoding="utf-8")
    world.reconfigure(sla_policy_file=path)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalResources]:
    """moto with the table, topics and queues of infra/resources.yaml."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        # sessions that read the models the worker has parsed once (a new one would parse them again: 0.3 s a test);
        # the default one too, for boto3.client(...) in tests (mock_aws puts the old one back)
        boto3.DEFAULT_SESSION = boto3_session(REGION)
        yield create_resources(boto3_session(REGION))


def moto_settings(resources: LocalResources) -> Settings:
    """Settings pointing at the resources `create_resources` made in moto."""
    return settings_for_tests(
        table_name=resources.tables["ComplaintsTable"],
        alerts_topic_arn=resources.topics["AlertsTopic"],
        ops_topic_arn=resources.topics["OpsTopic"],
        relay_queue_url=resources.queues["RelayQueue"],
    )


def moto_clients() -> AwsClients:
    """boto3 clients for moto (inside `mock_aws`), made here so that tests can hook them (faults, counting)."""
    session = boto3_session(REGION)
    return AwsClients(*(session.client(service) for service in ("dynamodb", "sns", "ses", "sqs")))


def moto_world(resources: LocalResources, clock: SettableClock) -> World:
    """The app on moto's resources (inside `mock_aws`), installed for the handlers."""
    settings = moto_settings(resources)
    clients = moto_clients()
    policies = load_policies(settings)
    services = bootstrap(settings, clock, aws_adapters(settings, policies, clients), policies)
    install(services)
    return World(services, clock, clients=clients, resources=resources)


@pytest.fixture
def aws_world(aws: LocalResources, clock: SettableClock) -> Iterator[World]:
    """The app on moto: the DynamoDB, SNS and SES adapters, with clients the test can hook (faults, counting)."""
    yield moto_world(aws, clock)
    install(None)


def _client() -> Iterator[Any]:
    from chalice.test import Client

    import app as application

    with Client(application.app, stage_name="local") as client:
        yield client


@pytest.fixture
def api(world: World) -> Iterator[Any]:
    """chalice.test.Client over the app on the twins."""
    yield from _client()


@pytest.fixture
def aws_api(aws_world: World) -> Iterator[Any]:
    """chalice.test.Client over the app on moto."""
    yield from _client()


@pytest.fixture
def dynamodb_requests(aws_world: World) -> DynamoRequests:
    """Counts the requests the app's own DynamoDB client makes."""
    assert aws_world.clients is not None
    return DynamoRequests(aws_world.aws.dynamodb)


ROOT = Path(__file__).resolve().parents[1]
