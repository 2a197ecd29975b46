"""The TimerQueue port's contract, on the twin and on SQS (moto): a timer is received once its instant has come
(at once when it has passed), a later one stays hidden, more than a batch is armed, a failure arms nothing and
raises nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.ports import Timer
from tests.contract.conftest import Backend


def test_a_passed_timer_is_received_at_once_and_a_coming_one_stays_hidden(backend: Backend) -> None:
    queue = backend.adapters.timer_queue
    assert queue is not None
    now = datetime.now(UTC)
    passed = Timer("c" * 32, now - timedelta(seconds=10))
    coming = Timer("d" * 32, now + timedelta(seconds=90), attempt=2)
    assert queue.arm([passed, coming], now) == 2
    assert backend.timers_visible(now) == [passed]
    assert backend.timers_delayed(now) == 1
    assert backend.timers_visible(now) == []


def test_more_timers_than_a_batch_are_all_armed_with_their_instants_and_attempts(backend: Backend) -> None:
    queue = backend.adapters.timer_queue
    assert queue is not None
    now = datetime.now(UTC)
    timers = [Timer(f"{number:032x}", now - timedelta(seconds=number), attempt=number % 3 + 1) for number in range(23)]
    assert queue.arm(timers, now) == 23
    assert backend.timers_visible(now) == sorted(timers, key=lambda timer: timer.at)


def test_a_failing_queue_arms_nothing_and_raises_nothing(backend: Backend) -> None:
    queue = backend.adapters.timer_queue
    assert queue is not None
    now = datetime.now(UTC)
    with backend.queue_down():
        assert queue.arm([Timer("e" * 32, now)], now) == 0
    assert backend.timers_visible(now) == []


def test_a_timer_waits_whole_seconds_rounded_down_never_past_sqs_limit() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert Timer("x", now + timedelta(seconds=9, milliseconds=999)).delay(now) == 9
    assert Timer("x", now + timedelta(seconds=9)).delay(now) == 9
    assert Timer("x", now - timedelta(minutes=3)).delay(now) == 0
    assert Timer("x", now + timedelta(hours=1)).delay(now) == 900


def test_a_body_that_is_no_timer_is_none() -> None:
    for body in ("", "{}", '{"complaint_id": "x", "at": "2026-11-22T12:00:00"}', '{"complaint_id": "", "at": 1}'):
        assert Timer.from_body(body) is None
    timer = Timer("x" * 32, datetime(2026, 11, 22, 12, 0, tzinfo=UTC), attempt=2)
    assert Timer.from_body(timer.body()) == timer
