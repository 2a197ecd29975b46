"""Faults on the intake path: DynamoDB throttled, failing or unreachable under a webhook's write (503 with
Retry-After, nothing half-written, the retry succeeds), a write whose answer is lost, and one webhook delivered
100 times, partly concurrently. (The scanner's faults are in test_scanner_guarantees.py.)

Faults are injected with botocore event hooks on the app's own DynamoDB client:
- a `before-call` handler that returns a response short-circuits the call: botocore raises the ClientError it
  describes without sending or retrying, so the hook sees every attempt the repository makes;
- a `before-send` handler runs inside botocore's retry loop, once per HTTP attempt. Raising a connection error
  there stops the request before moto sees it; returning a response does not (moto's own `before-send`
  handler still applies the request), which is exactly a write that DynamoDB committed but whose answer was lost.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.exceptions import EndpointConnectionError

from infra.definitions import LocalResources
from tests.conftest import World
from tests.intake import public, relay

SUBMISSION: dict[str, Any] = {
    "customer_name": "张三",
    "customer_email": "zhang.san@example.com",
    "category": "service",
    "priority": "urgent",
    "subject": "客服没有回电话",
    "external_id": "form-submission-42",
}
DELIVERY = {"webhook-id": "msg_fault_42", "Idempotency-Key": "fault-key-42"}
# three delivery keys -> three records; the receipt, and the claim of its acknowledgement, sent
ONE_COMPLAINT = Counter({"complaint": 1, "idempotency": 3, "event": 1, "receipt": 1, "claim": 1})
FAULTS = {
    "throttled": (400, "ProvisionedThroughputExceededException", "The level of configured provisioned throughput"),
    "5xx": (500, "InternalServerError", "Internal server error"),
}


class _Response:
    """What a `before-call` hook hands botocore in place of an HTTP response."""

    def __init__(self, status_code: int) -> None:
        self.status_code = status_code
        self.headers: dict[str, str] = {}


class Fault:
    """A `before-call` hook failing the first `times` calls (every call when None) with `kind`'s error."""

    def __init__(self, kind: str, times: int | None = None) -> None:
        self.status, self.code, self.message = FAULTS[kind]
        self.times = times
        self.calls = 0

    def __call__(self, **_: Any) -> Any:
        self.calls += 1
        if self.times is not None and self.calls > self.times:
            return None
        return _Response(self.status), {"Error": {"Code": self.code, "Message": self.message}}


class Conflict:
    """A `before-call` hook cancelling the first `times` transactions as DynamoDB does when another write touched
    one of their items at the same moment (TransactionConflict: nothing failed a condition)."""

    def __init__(self, times: int) -> None:
        self.times = times
        self.calls = 0

    def __call__(self, **_: Any) -> Any:
        self.calls += 1
        if self.calls > self.times:
            return None
        error = {"Code": "TransactionCanceledException", "Message": "Transaction cancelled [TransactionConflict, None]"}
        return _Response(400), {
            "Error": error,
            "CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}],
        }


class _Body:
    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Any:
        return iter([self._content])


class Unreachable:
    """A `before-send` hook: every HTTP attempt fails to connect (nothing reaches the store)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, request: Any, **_: Any) -> None:
        self.calls += 1
        raise EndpointConnectionError(endpoint_url=request.url)


class LostAnswers:
    """A `before-send` hook: the first `times` HTTP attempts are applied by moto, but answered with a 500."""

    def __init__(self, times: int) -> None:
        self.times = times
        self.calls = 0

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        self.calls += 1
        if self.calls > self.times:
            return None
        body = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "lost"})
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/x-amz-json-1.0"
        headers["x-amzn-RequestId"] = f"lost-{self.calls}"
        return AWSResponse(request.url, 500, headers, _Body(body.encode()))


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's standard-mode backoff sleeps up to 1 + 2 + 4 s per call; these tests count, not wait."""
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda *_: 0.0)


@contextmanager
def hooked(world: World, event: str, hook: Any, *, first: bool = False) -> Iterator[None]:
    """`hook` on the app's DynamoDB client for `event` while the block runs (`first`: before moto's own handler)."""
    events = world.aws.dynamodb.meta.events
    (events.register_first if first else events.register)(event, hook)
    try:
        yield
    finally:
        events.unregister(event, hook)


def post(api: Any, payload: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Any:
    """A delivery through the signed relay (the public form has none of these keys); `headers` without a
    webhook-id: the public form."""
    headers = DELIVERY if headers is None else headers
    payload = SUBMISSION if payload is None else payload
    if "webhook-id" not in headers:
        body = json.dumps(public(payload), ensure_ascii=False).encode("utf-8")
        return api.http.post("/complaints", headers={"Content-Type": "application/json", **headers}, body=body)
    extra = {name: value for name, value in headers.items() if name != "webhook-id"}
    return relay(api, payload, headers["webhook-id"], **extra)


def table_items(aws: LocalResources) -> list[dict[str, Any]]:
    """Every item in the table, read with a client of our own (not the app's, which carries the hooks)."""
    client = boto3.client("dynamodb", region_name="us-east-1")
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=aws.tables["ComplaintsTable"], ConsistentRead=True):
        items.extend(page["Items"])
    return items


def stored(aws: LocalResources) -> Counter[str]:
    """Items by kind, the month-report counters left out (see `counted`)."""
    kinds = Counter(item.get("kind", {}).get("S", "?") for item in table_items(aws))
    del kinds["report"]
    return kinds


def counted(aws: LocalResources) -> int:
    """Complaints the month report counts as received (the items that count for its `all#all` row, every shard)."""
    return sum(
        int(item.get("received", {}).get("N", "0"))
        for item in table_items(aws)
        if item.get("kind", {}).get("S") == "report" and item["sk"]["S"].startswith("all#all")
    )


def assert_nothing_stored(aws: LocalResources) -> None:
    items = table_items(aws)
    assert items == [], "no complaint, idempotency record, event or report counter: " + repr(items[:3])


def assert_one_complaint(aws: LocalResources, kinds: Counter[str] = ONE_COMPLAINT) -> None:
    assert stored(aws) == kinds
    assert counted(aws) == 1, "the month report counts the complaint once"


def assert_retry_later(response: Any) -> None:
    assert response.status_code == 503, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    problem = json.loads(response.body)
    assert problem["status"] == 503
    assert problem["detail"]


@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_a_failing_write_is_503_with_retry_after_stores_nothing_and_the_retry_succeeds(
    world: World, api: Any, aws: LocalResources, kind: str
) -> None:
    fault = Fault(kind)
    with hooked(world, "before-call.dynamodb.TransactWriteItems", fault):
        refused = post(api)

    assert_retry_later(refused)
    assert fault.calls >= 2, "the repository retries a throttled or failing write before giving up"
    assert_nothing_stored(aws)

    retried = post(api)
    assert retried.status_code == 201, retried.body
    assert_one_complaint(aws)
    again = post(api)
    assert again.status_code == 200
    assert json.loads(again.body)["id"] == json.loads(retried.body)["id"]


@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_a_write_failing_once_is_retried_inside_the_request(
    world: World, api: Any, aws: LocalResources, kind: str
) -> None:
    fault = Fault(kind, times=1)
    with hooked(world, "before-call.dynamodb.TransactWriteItems", fault):
        response = post(api)
    assert response.status_code == 201, response.body
    assert fault.calls == 3  # the create, failed then retried; then the acknowledgement marked sent
    assert_one_complaint(aws)


@pytest.mark.usefixtures("no_backoff")
def test_an_unreachable_store_is_retried_by_botocore_and_the_repository_then_503(
    world: World, api: Any, aws: LocalResources
) -> None:
    fault = Unreachable()
    with hooked(world, "before-send.dynamodb.TransactWriteItems", fault, first=True):
        refused = post(api)
    assert_retry_later(refused)
    # today: 3 repository attempts x 4 botocore attempts (Config max_attempts=3 counts *retries*) = 12 sends
    assert 3 < fault.calls <= 12, fault.calls
    assert_nothing_stored(aws)
    assert post(api).status_code == 201
    assert_one_complaint(aws)


@pytest.mark.usefixtures("no_backoff")
def test_a_committed_write_whose_answers_were_lost_is_one_complaint_returned_to_the_sender(
    world: World, api: Any, aws: LocalResources
) -> None:
    lost = LostAnswers(times=4)  # every botocore attempt of the repository's first call
    with hooked(world, "before-send.dynamodb.TransactWriteItems", lost, first=True):
        response = post(api)
    assert response.status_code in (200, 201), response.body
    assert_one_complaint(aws)
    assert post(api).status_code == 200


@pytest.mark.usefixtures("no_backoff")
def test_a_keyless_committed_write_whose_answers_were_lost_is_201(world: World, api: Any, aws: LocalResources) -> None:
    keyless = {key: value for key, value in SUBMISSION.items() if key != "external_id"}
    with hooked(world, "before-send.dynamodb.TransactWriteItems", LostAnswers(times=4), first=True):
        response = post(api, keyless, {"Content-Type": "application/json"})
    assert_one_complaint(aws, Counter({"complaint": 1, "event": 1, "receipt": 1, "claim": 1}))
    assert response.status_code == 201, response.body


@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_a_repeat_delivery_that_cannot_read_its_complaint_is_503_and_changes_nothing(
    world: World, api: Any, aws: LocalResources, kind: str
) -> None:
    first = post(api)
    assert first.status_code == 201
    with hooked(world, "before-call.dynamodb.GetItem", Fault(kind)):
        repeat = post(api)
    assert_retry_later(repeat)
    assert_one_complaint(aws)
    assert post(api).status_code == 200


def test_a_hundred_deliveries_of_one_webhook_make_exactly_one_complaint(
    world: World, api: Any, aws: LocalResources, monkeypatch: pytest.MonkeyPatch
) -> None:
    # chalice.test.Client swaps os.environ for a copy around every request; from threads the swaps interleave,
    # so put the real mapping back afterwards.
    monkeypatch.setattr(os, "environ", os.environ)
    headers = {"webhook-id": "msg_delivered_100_times"}
    payload = {key: value for key, value in SUBMISSION.items() if key != "external_id"}
    results: list[tuple[int, str | None]] = []
    lock = threading.Lock()
    start = threading.Barrier(10)

    def deliver(times: int) -> None:
        start.wait()
        for _ in range(times):
            response = post(api, payload, headers)
            answer = json.loads(response.body)
            with lock:
                results.append((response.status_code, answer.get("id")))

    threads = [threading.Thread(target=deliver, args=(10,)) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = Counter(status for status, _ in results)
    assert statuses == Counter({201: 1, 200: 99}), statuses
    assert len({complaint_id for _, complaint_id in results}) == 1
    assert_one_complaint(aws, Counter({"complaint": 1, "idempotency": 1, "event": 1, "receipt": 1, "claim": 1}))


@pytest.mark.usefixtures("no_backoff")
def test_a_claim_cancelled_by_a_conflict_is_sent_again_not_taken_for_another_runs(world: World) -> None:
    claims = world.services.adapters.claims
    now = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
    conflict = Conflict(times=1)
    with hooked(world, "before-call.dynamodb.TransactWriteItems", conflict):
        assert claims.claim("digest", "on_call#2026-11-17T02", now, retry={"window": "2026-11-17T02"})
        assert conflict.calls == 2
        claims.done("digest", "on_call#2026-11-17T02", now)
    assert conflict.calls == 3
    assert claims.happened("digest", "on_call#2026-11-17T02")
    assert claims.owed() == []
