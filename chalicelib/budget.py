"""Time budgets: the API must answer before API Gateway gives up on it (29 s), so every AWS request has short
timeouts and a request's retries stop once its budget is spent (503 with Retry-After, never a Lambda timeout
that leaves the client guessing whether it was stored).

Worst case of one DynamoDB request: CONNECT_TIMEOUT + READ_TIMEOUT per attempt; `call_with_retries` starts an
attempt only while the budget still holds a whole attempt. The API's budget is API_BUDGET from the request's start;
its Lambda timeout (.chalice/config.json) leaves room beyond it, and API Gateway's 29 s more still."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 5.0
ATTEMPT_SECONDS = CONNECT_TIMEOUT + READ_TIMEOUT
API_BUDGET = 18.0
"""Seconds an API request may spend; the API function's Lambda timeout is 25 s, API Gateway's 29 s."""
API_LAMBDA_TIMEOUT = 25
API_GATEWAY_TIMEOUT = 29

_deadline: ContextVar[float | None] = ContextVar("deadline", default=None)


@contextmanager
def budget(seconds: float) -> Iterator[None]:
    """Requests to AWS made inside may together take about `seconds` (a retry is not started past it)."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def room_for_attempt() -> bool:
    """Whether another whole attempt fits in the current budget (always, outside one)."""
    deadline = _deadline.get()
    return deadline is None or time.monotonic() + ATTEMPT_SECONDS <= deadline
