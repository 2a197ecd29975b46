"""The intake webhook over chalice.test.Client (on the twins; the one-request figure on moto): what a POST becomes,
and what is refused."""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from infra.request_counter import DynamoRequests
from tests.conftest import STAFF, World
from tests.intake import relay

VALID: dict[str, Any] = {
    "customer_name": "张三",
    "customer_email": "zhang.san@example.com",
    "category": "service",
    "subject": "客服态度差 😠",
    "description": "我等了两个小时。<script>alert(1)</script>",
}


def post_json(api: Any, body: Any, headers: dict[str, str] | None = None) -> Any:
    return api.http.post(
        "/complaints",
        headers={"Content-Type": "application/json", **(headers or {})},
        body=json.dumps(body, ensure_ascii=False).encode("utf-8") if not isinstance(body, bytes) else body,
    )


def test_json_post_creates_a_complaint_with_location(api: Any) -> None:
    response = post_json(api, VALID)
    assert response.status_code == 201
    body = json.loads(response.body)
    assert body["status"] == "open"
    assert response.headers["Location"] == f"/complaints/{body['id']}"
    assert body["received_at"].endswith("+08:00")
    assert "customer" not in body  # the webhook's answer carries no contact details
    fetched = api.http.get(f"/complaints/{body['id']}", headers=STAFF)
    assert fetched.status_code == 200
    shown = json.loads(fetched.body)
    assert shown["customer"]["name"] == "张三"
    assert shown["subject"] == VALID["subject"]
    assert shown["description"] == VALID["description"]


def test_form_post_creates_a_complaint(api: Any) -> None:
    form = {
        "customer_name": "李四",
        "customer_phone": "138 0013 8000",
        "customer_email": "",
        "category": "product_quality",
        "subject": "产品质量问题",
        "submit": "提交",
    }
    response = api.http.post(
        "/complaints",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=urlencode(form).encode("ascii"),
    )
    assert response.status_code == 201, response.body
    body = json.loads(response.body)
    assert body["category"] == "product_quality"
    assert (body["priority"], body["complexity"]) == ("important", "general")  # the policy's `assign` rules
    assert body["channel"] == "web_form"


def test_nested_customer_object_is_accepted(api: Any) -> None:
    payload = {k: v for k, v in VALID.items() if not k.startswith("customer_")}
    payload["customer"] = {"name": "王五", "phone": "+86 138 0013 8000"}
    response = post_json(api, payload)
    assert response.status_code == 201, response.body
    created = json.loads(response.body)
    shown = json.loads(api.http.get(f"/complaints/{created['id']}", headers=STAFF).body)
    assert shown["customer"] == {"name": "王五", "email": None, "phone": "+86 138 0013 8000"}


def test_writing_a_new_complaint_is_one_dynamodb_request(aws_api: Any, dynamodb_requests: DynamoRequests) -> None:
    phone_only = {k: v for k, v in VALID.items() if k != "customer_email"} | {"customer_phone": "13800138000"}
    response = relay(aws_api, {**phone_only, "external_id": "sub-1"}, "msg_1", **{"Idempotency-Key": "k-1"})
    assert response.status_code == 201
    assert dynamodb_requests.calls == {"TransactWriteItems": 1}


def test_duplicate_delivery_returns_the_same_complaint(world: World, api: Any) -> None:
    first = post_json(api, VALID, {"Idempotency-Key": "same-key"})
    second = post_json(api, VALID, {"Idempotency-Key": "same-key"})
    assert first.status_code == 201
    assert second.status_code == 200
    assert json.loads(first.body)["id"] == json.loads(second.body)["id"]
    assert second.headers["Location"] == first.headers["Location"]
    assert world.complaint_count() == 1


def test_an_acknowledged_complaint_costs_one_more_write_marking_its_email_sent(
    aws_api: Any, dynamodb_requests: DynamoRequests
) -> None:
    response = relay(aws_api, {**VALID, "external_id": "sub-2"})
    assert response.status_code == 201
    assert dynamodb_requests.calls == {"TransactWriteItems": 2}  # the complaint with its receipt; the email done


@pytest.mark.parametrize(
    ("message_ids", "extra"), [(("msg_2b3c", "msg_2b3c"), {}), ((None, None), {"external_id": "t-1"})]
)
def test_a_signed_sources_repeat_delivery_returns_the_same_complaint(
    world: World, api: Any, message_ids: tuple[str | None, str | None], extra: dict[str, str]
) -> None:
    first = relay(api, {**VALID, **extra}, message_ids[0])
    second = relay(api, {**VALID, **extra}, message_ids[1])
    assert first.status_code == 201
    assert second.status_code == 200
    assert json.loads(first.body)["id"] == json.loads(second.body)["id"]
    assert second.headers["Location"] == first.headers["Location"]
    assert world.complaint_count() == 1


def test_concurrent_duplicates_make_one_complaint(api: Any, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "environ", os.environ)  # chalice.test.Client swaps os.environ per request
    statuses: list[int] = []
    ids: set[str] = set()
    lock = threading.Lock()

    def deliver() -> None:
        response = post_json(api, VALID, {"Idempotency-Key": "concurrent"})
        with lock:
            statuses.append(response.status_code)
            if response.status_code in (200, 201):
                ids.add(json.loads(response.body)["id"])

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(201) == 1
    assert set(statuses) <= {200, 201}
    assert len(ids) == 1
    assert world.complaint_count() == 1


def test_reused_idempotency_key_with_other_content_is_a_conflict(api: Any) -> None:
    assert post_json(api, VALID, {"Idempotency-Key": "k-9"}).status_code == 201
    response = post_json(api, {**VALID, "subject": "another"}, {"Idempotency-Key": "k-9"})
    assert response.status_code == 409
    assert response.headers["Content-Type"] == "application/problem+json"


def test_unknown_complaint_is_404(api: Any) -> None:
    assert api.http.get("/complaints/" + "0" * 32, headers=STAFF).status_code == 404
    response = api.http.get("/complaints/../../etc/passwd", headers=STAFF)
    assert response.status_code in (403, 404)


def test_reading_a_complaint_needs_a_staff_token(api: Any) -> None:
    created = json.loads(post_json(api, VALID).body)
    assert api.http.get(f"/complaints/{created['id']}").status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert api.http.get(f"/complaints/{created['id']}", headers=wrong).status_code == 401


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    problem: dict[str, Any] = json.loads(response.body)
    assert problem["status"] == status
    assert problem["detail"]
    assert "Traceback" not in response.body.decode()
    assert "ComplaintsTable" not in response.body.decode()
    return problem


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("application/json", b'{"customer_name": "x",', 400),
        ("application/json", b"", 400),
        ("application/json", b"[1, 2]", 400),
        ("application/json", b'{"a": 1, "a": 2}', 400),
        ("application/json", b"\xff\xfe{}", 400),
        ("application/json", b"[" * 5000 + b"]" * 5000, 400),
        ("application/json", b'{"n": ' + b"9" * 5000 + b"}", 400),
        ("application/json", b'{"n": NaN}', 400),
        ("text/plain", b"hello", 415),
        ("application/xml", b"<complaint/>", 415),
        ("application/json; charset=latin-1", b"{}", 415),
        ("application/json", b'{"pad": "' + b"x" * 70_000 + b'"}', 413),
    ],
)
def test_bad_bodies_get_a_problem_and_store_nothing(
    api: Any, world: World, content_type: str, body: bytes, status: int
) -> None:
    response = api.http.post("/complaints", headers={"Content-Type": content_type}, body=body)
    _problem(response, status)
    assert world.is_empty()


def test_field_errors_list_every_bad_field(api: Any, world: World) -> None:
    payload = {
        "customer_name": "",
        "category": "weather",
        "priority": 5,
        "subject": "x" * 201,
        "received_at": "2026-11-20T17:00:00",
        "customer_email": "not-an-email",
    }
    problem = _problem(post_json(api, payload), 422)
    fields = {error["field"] for error in problem["errors"]}
    assert fields == {"customer_name", "category", "priority", "subject", "received_at", "customer_email"}
    assert "customer_name" in problem["detail"]
    assert world.is_empty()


def test_missing_contact_is_a_field_error(api: Any) -> None:
    payload = {k: v for k, v in VALID.items() if k != "customer_email"}
    problem = _problem(post_json(api, payload), 422)
    assert [e["field"] for e in problem["errors"]] == ["customer_email"]


@pytest.mark.parametrize("case", ["ahead", "too old", "not a date"])
def test_received_at_out_of_bounds_is_refused_from_a_signed_source(api: Any, case: str) -> None:
    received_at = {
        "ahead": (datetime.now(UTC) + timedelta(minutes=10)).isoformat(),
        "too old": (datetime.now(UTC) - timedelta(days=91)).isoformat(),
        "not a date": "yesterday",
    }[case]
    problem = _problem(relay(api, {**VALID, "received_at": received_at}), 422)
    assert [e["field"] for e in problem["errors"]] == ["received_at"]


def test_control_characters_are_refused(api: Any) -> None:
    problem = _problem(post_json(api, {**VALID, "subject": "a\x00b"}), 422)
    assert [e["field"] for e in problem["errors"]] == ["subject"]
