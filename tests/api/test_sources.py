"""Intake sources: Standard Webhooks signatures (valid, tampered, stale, rotated, replayed), the public form's CORS
allow-list and honeypot. Form services' own deliveries: tests/api/test_form_services.py."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from tests.conftest import World

NEW_SECRET = "whsec_" + base64.b64encode(b"new-secret-of-32-bytes-for-hmac!").decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"old-secret-of-32-bytes-for-hmac!").decode()
RELAYED: dict[str, Any] = {
    "customer_name": "张三",
    "customer_email": "zhang.san@example.com",
    "category": "staff",
    "priority": "important",
    "subject": "员工态度",
}


SECRETS = {"relay": [NEW_SECRET, OLD_SECRET]}


@pytest.fixture(autouse=True)
def secrets(world: World) -> None:
    world.reconfigure(webhook_secrets=SECRETS)
    world.at(datetime(2026, 11, 22, 3, 30, tzinfo=UTC))


def signed(
    payload: Any, secret: str = NEW_SECRET, message_id: str = "msg_1", at: datetime | None = None
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload, ensure_ascii=False)
    moment = at or datetime.now(UTC)
    signature = Webhook(secret).sign(message_id, moment, body)
    headers = {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature,
    }
    return body.encode(), headers


def deliver(api: Any, source: str, body: bytes, headers: dict[str, str]) -> Any:
    return api.http.post(f"/webhooks/{source}", headers=headers, body=body)


def test_a_correctly_signed_webhook_is_accepted(world: World, api: Any) -> None:
    body, headers = signed(RELAYED)
    response = deliver(api, "relay", body, headers)
    assert response.status_code == 201, response.body
    assert world.complaint_count() == 1


def test_a_secret_being_rotated_out_still_verifies(api: Any) -> None:
    body, headers = signed(RELAYED, secret=OLD_SECRET)
    assert deliver(api, "relay", body, headers).status_code == 201


def _tampered(kind: str) -> tuple[bytes, dict[str, str]]:
    body, headers = signed(RELAYED)
    if kind == "body":
        return body.replace("张三".encode(), "张四".encode()), headers
    if kind == "signature":
        return body, {**headers, "webhook-signature": "v1," + base64.b64encode(b"x" * 32).decode()}
    if kind == "wrong secret":
        return signed(RELAYED, secret="whsec_" + base64.b64encode(b"someone-else").decode())
    if kind == "stale":
        return signed(RELAYED, at=datetime.now(UTC) - timedelta(minutes=6))
    if kind == "future":
        return signed(RELAYED, at=datetime.now(UTC) + timedelta(minutes=6))
    if kind == "message id":
        return body, {**headers, "webhook-id": "msg_other"}
    if kind == "malformed":
        return body, {**headers, "webhook-signature": "garbage"}
    if kind == "timestamp":
        return body, {**headers, "webhook-timestamp": "yesterday"}
    missing = kind.removeprefix("no ")
    return body, {name: value for name, value in headers.items() if name != missing}


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("body", "no signature matches"),
        ("signature", "no signature matches"),
        ("wrong secret", "no signature matches"),
        ("message id", "no signature matches"),
        ("stale", "more than 5 minutes old"),
        ("future", "more than 5 minutes ahead"),
        ("malformed", "malformed"),
        ("timestamp", "not a Unix time"),
        ("no webhook-signature", "missing header(s): webhook-signature"),
        ("no webhook-id", "missing header(s): webhook-id"),
        ("no webhook-timestamp", "missing header(s): webhook-timestamp"),
    ],
)
def test_every_tampered_delivery_is_refused_with_its_reason(world: World, api: Any, kind: str, reason: str) -> None:
    body, headers = _tampered(kind)
    response = deliver(api, "relay", body, headers)
    assert response.status_code == 401, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    assert reason in json.loads(response.body)["detail"]
    assert world.complaint_count() == 0


def test_a_source_without_a_configured_secret_refuses_everything(world: World, api: Any) -> None:
    world.reconfigure(webhook_secrets={})
    body, headers = signed(RELAYED)
    assert deliver(api, "relay", body, headers).status_code == 401
    assert world.complaint_count() == 0


def test_a_replayed_webhook_id_is_the_same_complaint(world: World, api: Any) -> None:
    body, headers = signed(RELAYED, message_id="msg_replay")
    first = deliver(api, "relay", body, headers)
    again = deliver(api, "relay", *signed(RELAYED, message_id="msg_replay"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert json.loads(first.body)["id"] == json.loads(again.body)["id"]
    assert world.complaint_count() == 1


def test_an_unknown_source_is_404(world: World, api: Any) -> None:
    response = deliver(api, "nobody", *signed(RELAYED))
    assert response.status_code == 404
    assert world.complaint_count() == 0


FORM = {
    "customer_name": "赵六",
    "customer_email": "zhao@example.com",
    "category": "service",
    "subject": "网页表单",
}


def test_the_public_form_answers_allowed_origins_with_cors_headers(api: Any) -> None:
    response = api.http.post(
        "/complaints",
        headers={"Content-Type": "application/json", "Origin": "http://localhost:8000"},
        body=json.dumps(FORM).encode(),
    )
    assert response.status_code == 201
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:8000"
    other = api.http.post(
        "/complaints",
        headers={"Content-Type": "application/json", "Origin": "https://evil.example"},
        body=json.dumps({**FORM, "subject": "other"}).encode(),
    )
    assert "Access-Control-Allow-Origin" not in other.headers


def test_preflight_allows_only_listed_origins(api: Any) -> None:
    allowed = api.http.request("OPTIONS", "/complaints", headers={"Origin": "http://127.0.0.1:8000"})
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8000"
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    refused = api.http.request("OPTIONS", "/complaints", headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403


def test_a_filled_honeypot_is_refused_and_nothing_stored(world: World, api: Any) -> None:
    response = api.http.post(
        "/complaints",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=b"customer_name=bot&customer_email=bot%40example.com&category=service&subject=buy&website=http%3A%2F%2Fspam",
    )
    assert response.status_code == 400
    assert "automated" in json.loads(response.body)["detail"]
    assert world.complaint_count() == 0
    empty = api.http.post(
        "/complaints",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=b"customer_name=ok&customer_email=ok%40example.com&category=service&subject=real&website=",
    )
    assert empty.status_code == 201
