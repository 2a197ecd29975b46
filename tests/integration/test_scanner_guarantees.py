"""What the scanner promises: cost follows what is due; each notice exactly once under overlapping runs,
SNS failures, a run killed mid-batch and a run out of time."""

from __future__ import annotations

import math
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError

from chalicelib.services.operator import OperatorAlerts
from chalicelib.services.publisher import Publisher
from chalicelib.services.scanner import FLUSH_AT, Scanner
from infra.definitions import LocalResources
from infra.request_counter import DynamoRequests
from tests.conftest import World
from tests.integration.helpers import notices
from tests.integration.seeding import seed

NOW = datetime.now(UTC).replace(microsecond=0)
PLENTY = 600.0
pytestmark = pytest.mark.usefixtures("no_storm_limit")  # storm control: tests/services/test_storm.py


def fresh_scanner(world: World) -> Scanner:
    """A scanner of its own, as another Lambda invocation would have, on the same clients."""
    services = world.services
    operator = OperatorAlerts(services.adapters.claims, services.adapters.ops)
    adapters = services.adapters
    return Scanner(
        adapters.due,
        Publisher(
            adapters.notifier, adapters.windows, adapters.due, services.policies, services.settings.public_base_url
        ),
        operator,
        services.policies,
        services.settings.public_base_url,
    )


def ids_of(url: str) -> Counter[str]:
    return Counter(notice["notice_id"] for notice in notices(url))


@pytest.mark.parametrize("open_count", [2_000, 20_000])
def test_scan_cost_follows_what_is_due_not_what_is_stored(
    world: World, aws: LocalResources, alerts: str, dynamodb_requests: DynamoRequests, open_count: int
) -> None:
    seed(world, NOW, open_count=open_count, due_count=100)
    dynamodb_requests.reset()
    report = fresh_scanner(world).run(NOW, lambda: PLENTY)
    shards = world.services.settings.due_shards
    assert report.claimed == 100
    assert report.notices == 200  # a warning goes to the assignee and on call
    assert dynamodb_requests.items_read <= 2 * 110  # the index's keys, then those items
    assert dynamodb_requests.total <= 2 * shards + math.ceil(1.2 * report.notices)  # storm control adds 2 per 50
    assert dynamodb_requests.calls["Scan"] == 0
    assert dynamodb_requests.calls["Query"] == shards
    assert dynamodb_requests.calls["BatchGetItem"] == shards  # each shard's page of keys, fetched at once
    # a query and a fetch per shard, a claim per complaint, a slot take per audience per SNS flush, a batch write
    # per 25 sent
    takes = 2 * math.ceil(report.notices / FLUSH_AT)
    assert dynamodb_requests.total == 2 * shards + 100 + takes + math.ceil(report.notices / 25)
    assert sum(ids_of(alerts).values()) == 200


def test_four_overlapping_runs_send_each_notice_exactly_once(world: World, aws: LocalResources, alerts: str) -> None:
    seed(world, NOW, open_count=300, due_count=100)
    scanners = [fresh_scanner(world) for _ in range(4)]
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run(scanner: Scanner) -> None:
        barrier.wait()
        try:
            scanner.run(NOW, lambda: PLENTY)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(scanner,)) for scanner in scanners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sent = ids_of(alerts)
    assert len(sent) == 200
    assert set(sent.values()) == {1}
    assert fresh_scanner(world).run(NOW + timedelta(minutes=1), lambda: PLENTY).notices == 0
    assert ids_of(alerts) == Counter()


def test_the_same_tick_delivered_twice_sends_nothing_twice(world: World, aws: LocalResources, alerts: str) -> None:
    seed(world, NOW, open_count=20, due_count=10)
    first = fresh_scanner(world).run(NOW, lambda: PLENTY)
    second = fresh_scanner(world).run(NOW, lambda: PLENTY)
    assert (first.notices, second.notices) == (20, 0)
    assert set(ids_of(alerts).values()) == {1}


class _Failure:
    status_code = 500
    headers: dict[str, str] = {}  # noqa: RUF012


def _sns_fails(kind: str) -> Any:
    def before_call(**_: Any) -> Any:
        if kind == "throttled":
            return _Failure(), {"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}
        if kind == "5xx":
            return _Failure(), {"Error": {"Code": "InternalError", "Message": "boom"}}
        raise ReadTimeoutError(endpoint_url="https://sns.us-east-1.amazonaws.com")

    return before_call


@pytest.mark.parametrize("kind", ["throttled", "5xx", "timeout"])
def test_failed_publishes_stay_pending_and_the_next_run_delivers_them(
    world: World, aws: LocalResources, alerts: str, kind: str
) -> None:
    seed(world, NOW, open_count=30, due_count=30)
    events = world.aws.sns.meta.events
    handler = _sns_fails(kind)
    events.register("before-call.sns.PublishBatch", handler)
    failed = fresh_scanner(world).run(NOW, lambda: PLENTY)
    events.unregister("before-call.sns.PublishBatch", handler)
    assert failed.notices == 60
    assert failed.delivered == 0
    assert ids_of(alerts) == Counter()
    retried = fresh_scanner(world).run(NOW + timedelta(minutes=1), lambda: PLENTY)
    assert retried.retried == 60
    assert retried.delivered == 60
    sent = ids_of(alerts)
    assert len(sent) == 60
    assert set(sent.values()) == {1}
    assert fresh_scanner(world).run(NOW + timedelta(minutes=2), lambda: PLENTY).delivered == 0


def test_entries_sns_refuses_in_a_batch_are_retried_alone(world: World, aws: LocalResources, alerts: str) -> None:
    seed(world, NOW, open_count=10, due_count=10)
    events = world.aws.sns.meta.events
    dropped: list[dict[str, Any]] = []

    def drop_odd_entries(params: dict[str, Any], **_: Any) -> None:
        entries = params["PublishBatchRequestEntries"]
        dropped.extend(entries[1::2])
        params["PublishBatchRequestEntries"] = entries[::2]

    def report_dropped(parsed: dict[str, Any], **_: Any) -> None:
        parsed.setdefault("Failed", []).extend(
            {"Id": entry["Id"], "Code": "InternalFailure", "SenderFault": False} for entry in dropped
        )
        dropped.clear()

    events.register("before-parameter-build.sns.PublishBatch", drop_odd_entries)
    events.register("after-call.sns.PublishBatch", report_dropped)
    first = fresh_scanner(world).run(NOW, lambda: PLENTY)
    events.unregister("before-parameter-build.sns.PublishBatch", drop_odd_entries)
    events.unregister("after-call.sns.PublishBatch", report_dropped)
    assert (first.delivered, first.failed) == (10, 10)
    second = fresh_scanner(world).run(NOW + timedelta(minutes=1), lambda: PLENTY)
    assert second.delivered == 10
    sent = ids_of(alerts)
    assert len(sent) == 20
    assert set(sent.values()) == {1}


def test_a_run_killed_mid_batch_is_completed_by_a_later_one_without_duplicates(
    world: World, aws: LocalResources, alerts: str
) -> None:
    seed(world, NOW, open_count=80, due_count=80, due_minutes_ago=40)  # minor now and still minor 6 minutes on
    events = world.aws.sns.meta.events

    def killed(**_: Any) -> Any:
        raise SystemExit("the Lambda was killed")

    events.register("before-call.sns.PublishBatch", killed)
    with pytest.raises(SystemExit):
        fresh_scanner(world).run(NOW, lambda: PLENTY)
    events.unregister("before-call.sns.PublishBatch", killed)
    assert ids_of(alerts) == Counter()
    # the next tick handles what the killed run never reached; the claimed notices wait for their lease
    fresh_scanner(world).run(NOW + timedelta(minutes=1), lambda: PLENTY)
    fresh_scanner(world).run(NOW + timedelta(minutes=6), lambda: PLENTY)
    sent = ids_of(alerts)
    assert len(sent) == 160
    assert set(sent.values()) == {1}


def test_a_run_out_of_time_stops_cleanly_and_the_next_finishes(world: World, aws: LocalResources, alerts: str) -> None:
    seed(world, NOW, open_count=40, due_count=40)
    budget = iter([60.0] + [60.0] * 15 + [1.0] * 1000)
    first = fresh_scanner(world).run(NOW, lambda: next(budget))
    assert first.stopped_early
    assert 0 < first.claimed < 40
    second = fresh_scanner(world).run(NOW + timedelta(minutes=1), lambda: PLENTY)
    assert first.claimed + second.claimed == 40
    sent = ids_of(alerts)
    assert len(sent) == 80
    assert set(sent.values()) == {1}
