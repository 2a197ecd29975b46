"""Time budgets: a DynamoDB request is retried only while a whole attempt still fits in the budget of the HTTP
request being answered, so that the API answers (503 at worst) before its Lambda timeout and API Gateway's 29 s."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib import budget
from chalicelib.adapters.dynamo import call_with_retries
from chalicelib.domain.errors import Unavailable


class SlowThrottled:
    """An operation that takes a whole attempt's worst case (on a fake clock) and is throttled every time."""

    def __init__(self, clock: list[float]) -> None:
        self.clock = clock
        self.calls = 0

    def __call__(self, **_: Any) -> Any:
        self.calls += 1
        self.clock[0] += budget.ATTEMPT_SECONDS
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "Query")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr("chalicelib.budget.time.monotonic", lambda: now[0])
    monkeypatch.setattr("chalicelib.adapters.dynamo.time.sleep", lambda seconds: None)
    return now


def test_retries_stop_when_the_next_attempt_would_not_fit_in_the_budget(clock: list[float]) -> None:
    operation = SlowThrottled(clock)
    with budget.budget(budget.API_BUDGET), pytest.raises(Unavailable):
        call_with_retries(operation, attempts=10)
    assert operation.calls == int(budget.API_BUDGET // budget.ATTEMPT_SECONDS)
    assert clock[0] - 1000.0 <= budget.API_BUDGET


def test_a_spent_budget_tries_nothing_and_says_retry_later(clock: list[float]) -> None:
    operation = SlowThrottled(clock)
    with budget.budget(budget.ATTEMPT_SECONDS - 0.5), pytest.raises(Unavailable) as refused:
        call_with_retries(operation, attempts=3)
    assert operation.calls == 0
    assert refused.value.retry_after > 0


def test_outside_a_request_the_attempts_are_what_the_caller_asked_for(clock: list[float]) -> None:
    operation = SlowThrottled(clock)
    with pytest.raises(Unavailable):
        call_with_retries(operation, attempts=4)
    assert operation.calls == 4
