"""Contract fixtures: every port's contract runs against both implementations — the in-memory twin and the
DynamoDB/SNS/SES adapter on moto — through one `Backend`, so the twin can never drift from the adapter."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from email import message_from_string
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import to_item
from chalicelib.adapters.memory import MemoryMailer, MemoryNotifier, MemoryOpsNotifier, MemoryTable, MemoryTimerQueue
from chalicelib.bootstrap import Adapters, aws_adapters, boto3_session, load_policies, memory_adapters
from chalicelib.domain.policy import PolicySet
from chalicelib.ports import Timer
from infra.definitions import create_resources
from tests.conftest import REGION, moto_clients, moto_settings, settings_for_tests


class _Failure:
    status_code = 500
    headers: dict[str, str] = {}  # noqa: RUF012


@dataclass
class Backend:
    """One implementation of every port, and the means to damage a record or make a dependency fail."""

    name: str
    adapters: Adapters
    policies: PolicySet
    damage: Callable[..., None]
    store_down: Callable[[], AbstractContextManager[None]]
    topic_down: Callable[[], AbstractContextManager[None]]
    mail_down: Callable[[], AbstractContextManager[None]]
    dump: Callable[[], Any]
    queue_down: Callable[[], AbstractContextManager[None]]
    timers_visible: Callable[[datetime], list[Timer]]  # the timers a receive at that instant gets (taken)
    timers_delayed: Callable[[datetime], int]  # how many timers are still hidden at that instant
    mail_dates: Callable[[], list[datetime]]  # the Date of every email sent, in order


def _memory(policies: PolicySet) -> Backend:
    table = MemoryTable(zone=policies.display.tz)
    adapters = memory_adapters(policies, table)

    @contextmanager
    def store_down() -> Iterator[None]:
        table.unavailable = True
        try:
            yield
        finally:
            table.unavailable = False

    def flag(
        *targets: MemoryNotifier | MemoryOpsNotifier | MemoryMailer | MemoryTimerQueue,
    ) -> Callable[[], AbstractContextManager[None]]:
        @contextmanager
        def down() -> Iterator[None]:
            for target in targets:
                target.failing = True
            try:
                yield
            finally:
                for target in targets:
                    target.failing = False

        return down

    assert isinstance(adapters.notifier, MemoryNotifier)
    assert isinstance(adapters.ops, MemoryOpsNotifier)
    mailer = adapters.mailer
    assert isinstance(mailer, MemoryMailer)
    queue = adapters.timer_queue
    assert isinstance(queue, MemoryTimerQueue)

    def damage(complaint_id: str, **attributes: Any) -> None:
        table.damage(complaint_id, **attributes)

    return Backend(
        "memory",
        adapters,
        policies,
        damage,
        store_down,
        flag(adapters.notifier, adapters.ops),
        flag(mailer),
        table.snapshot,
        flag(queue),
        queue.take,
        queue.delayed,
        lambda: [sent.written_at for sent in mailer.sent],
    )


def _sqs_timers(client: Any, url: str) -> tuple[Callable[[datetime], list[Timer]], Callable[[datetime], int]]:
    """Receive what is visible on the timer queue now (SQS keeps its own time), and count what is delayed."""

    def visible(_: datetime) -> list[Timer]:
        found: list[Timer] = []
        while messages := client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                timer = Timer.from_body(message["Body"])
                assert timer is not None
                found.append(timer)
                client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return sorted(found, key=lambda timer: timer.at)

    def delayed(_: datetime) -> int:
        attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
        return int(attributes["Attributes"]["ApproximateNumberOfMessagesDelayed"])

    return visible, delayed


def _failing(client: Any, event: str, code: str) -> Callable[[], AbstractContextManager[None]]:
    @contextmanager
    def down() -> Iterator[None]:
        def fail(**_: Any) -> Any:
            return _Failure(), {"Error": {"Code": code, "Message": "down"}}

        client.meta.events.register(event, fail)
        try:
            yield
        finally:
            client.meta.events.unregister(event, fail)

    return down


def _dynamodb(policies: PolicySet) -> Backend:
    resources = create_resources(boto3_session(REGION))
    settings = moto_settings(resources).model_copy(update={"timer_queue_url": resources.queues["TimerQueue"]})
    clients = moto_clients()
    adapters = aws_adapters(settings, policies, clients)

    def damage(complaint_id: str, **attributes: Any) -> None:
        stored = {name: json.dumps(value) if isinstance(value, dict) else value for name, value in attributes.items()}
        names = {f"#a{i}": name for i, name in enumerate(stored)}
        values = {f":v{i}": value for i, value in enumerate(stored.values())}
        clients.dynamodb.update_item(
            TableName=settings.table_name,
            Key=to_item(keys.complaint_key(complaint_id)),
            UpdateExpression="SET " + ", ".join(f"{n} = {v}" for n, v in zip(names, values, strict=True)),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_item(values),
        )

    return Backend(
        "dynamodb",
        adapters,
        policies,
        damage,
        _failing(clients.dynamodb, "before-call.dynamodb", "ProvisionedThroughputExceededException"),
        _failing(clients.sns, "before-call.sns", "InternalError"),
        _failing(clients.ses, "before-call.ses", "ServiceUnavailable"),
        lambda: clients.dynamodb.scan(TableName=settings.table_name)["Items"],
        _failing(clients.sqs, "before-call.sqs", "InternalError"),
        *_sqs_timers(clients.sqs, settings.timer_queue_url),
        _ses_dates,
    )


def _ses_dates() -> list[datetime]:
    """The Date header of every message moto's SES took."""
    sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    return [parsedate_to_datetime(message_from_string(message.raw_data)["Date"]) for message in sent]


@pytest.fixture(params=["memory", "dynamodb"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
    """The twin, then the adapter on moto."""
    policies = load_policies(settings_for_tests())
    if request.param == "memory":
        yield _memory(policies)
        return
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setattr("time.sleep", lambda _: None)  # the adapters' backoff between retries
    with mock_aws():
        yield _dynamodb(policies)
