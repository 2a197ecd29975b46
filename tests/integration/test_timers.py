"""Precision timers on moto, through the real path: intake (or the scan) sends delayed messages to TimerQueue, the
queue is polled as Lambda's event source mapping would, and fire_timers claims each threshold with the scan's own
conditional writes. A timer and the scan racing for one threshold, overlapping or interleaved at the worst moment,
send it once; a threshold passed at intake is notified by the timer, not at the next scan."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.local import LambdaContext

import app as application
from chalicelib.bootstrap import aws_adapters, bootstrap, install
from chalicelib.ports import Timer
from infra.definitions import LocalResources
from infra.relay_poller import poll_once
from tests.conftest import World
from tests.integration.helpers import notices, post
from tests.integration.seeding import seed
from tests.integration.test_scanner_guarantees import fresh_scanner

NOW = datetime.now(UTC).replace(microsecond=0)
PLENTY = 600.0


@pytest.fixture
def timed(world: World, aws: LocalResources) -> World:
    """The app on moto with its timer queue, as deployed."""
    settings = world.services.settings.model_copy(update={"timer_queue_url": aws.queues["TimerQueue"]})
    adapters = aws_adapters(settings, world.services.policies, world.aws)
    world.services = bootstrap(settings, world.clock, adapters, world.services.policies)
    install(world.services)
    world.at(NOW)
    return world


def poll_timers(world: World) -> int:
    """Poll TimerQueue until nothing is visible, handing each batch to fire_timers; how many timers it took."""
    assert world.resources is not None
    taken = 0
    while True:
        context = LambdaContext("fire_timers", 512, max_runtime_ms=60_000)
        polled = poll_once(
            world.aws.sqs, world.resources.queues["TimerQueue"], application.fire_timers, context, wait_seconds=0
        )
        assert polled.raised is None
        if not polled.received:
            return taken
        taken += len(polled.received)


def arm_all(world: World, complaint_ids: list[str], at: datetime) -> None:
    queue = world.adapters.timer_queue
    assert queue is not None
    assert queue.arm([Timer(complaint_id, at) for complaint_id in complaint_ids], NOW) == len(complaint_ids)


def test_a_threshold_passed_at_intake_is_notified_by_its_timer_without_a_scan(
    timed: World, api: Any, alerts: str
) -> None:
    complaint_id = post(api, NOW - timedelta(minutes=29, seconds=50))
    assert notices(alerts) == []
    assert poll_timers(timed) == 1  # sent with no delay: visible at once
    got = notices(alerts)
    assert sorted((n["complaint_id"], n["level"], n["audience"]) for n in got) == [
        (complaint_id, "warning", "assignee"),
        (complaint_id, "warning", "on_call"),
    ]
    assert poll_timers(timed) == 0  # the deadline's timer, 10 s away, is still hidden
    attributes = timed.aws.sqs.get_queue_attributes(
        QueueUrl=timed.resources.queues["TimerQueue"],  # type: ignore[union-attr]
        AttributeNames=["ApproximateNumberOfMessagesDelayed"],
    )
    assert attributes["Attributes"]["ApproximateNumberOfMessagesDelayed"] == "1"


@pytest.mark.usefixtures("no_storm_limit")
def test_timers_and_a_scan_overlapping_send_each_notice_once(timed: World, aws: LocalResources, alerts: str) -> None:
    due = seed(timed, NOW, open_count=60, due_count=40)
    arm_all(timed, due, NOW - timedelta(minutes=2))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(work: Any) -> None:
        barrier.wait()
        try:
            work()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(lambda: poll_timers(timed),)),
        threading.Thread(target=run, args=(lambda: fresh_scanner(timed).run(NOW, lambda: PLENTY),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sent = Counter(notice["notice_id"] for notice in notices(alerts))
    assert len(sent) == 80  # a warning to the assignee and on call, for each of the 40
    assert set(sent.values()) == {1}


def test_a_scan_claiming_while_the_timer_commits_leaves_the_timer_nothing_to_send(
    timed: World, aws: LocalResources, alerts: str
) -> None:
    [complaint_id] = seed(timed, NOW, open_count=1, due_count=1)
    arm_all(timed, [complaint_id], NOW)
    client = timed.aws.dynamodb
    scans: list[Any] = []

    def scan_first(**_: Any) -> None:  # the timer read the complaint and is about to claim it: the scan wins
        client.meta.events.unregister("before-call.dynamodb.TransactWriteItems", scan_first)
        scans.append(fresh_scanner(timed).run(NOW, lambda: PLENTY))

    client.meta.events.register("before-call.dynamodb.TransactWriteItems", scan_first)
    try:
        assert poll_timers(timed) == 1
    finally:
        client.meta.events.unregister("before-call.dynamodb.TransactWriteItems", scan_first)
    assert [report.claimed for report in scans] == [1]
    sent = Counter(notice["notice_id"] for notice in notices(alerts))
    assert sorted(sent) == [f"{complaint_id}.first_response.1.warning.{who}" for who in ("assignee", "on_call")]
    assert set(sent.values()) == {1}
    assert fresh_scanner(timed).run(NOW + timedelta(minutes=1), lambda: PLENTY).notices == 0
    arm_all(timed, [complaint_id], NOW)  # the same timer delivered again
    assert poll_timers(timed) == 1
    assert notices(alerts) == []
