"""The customer's receipt: the 201 carries a link to the status page with an unguessable token (stored hashed),
and a customer who gave an email gets one acknowledgement in Chinese with the promises in words; a failed send is
made good by a later scan, once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.receipts import digest
from chalicelib.ports import RECEIPT_SCOPE
from tests.conftest import STAFF, World
from tests.intake import URGENT, public, relay

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # Monday 12:00 in Shanghai
VALID = {
    "customer_name": "张三",
    "customer_email": "zhang.san@example.com",
    "category": "service",
    "priority": "urgent",
    "subject": "客服没有回电话",
}


def post(api: Any, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    """Through the public form (the priority is the policy's `assign`, as for any customer who posts)."""
    return api.http.post(
        "/complaints",
        body=json.dumps(public(payload)),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def test_the_201_carries_a_receipt_url_whose_token_is_unguessable_and_stored_only_hashed(
    world: World, api: Any
) -> None:
    world.at(NOW)
    body = json.loads(post(api, VALID).body)
    url = body["receipt_url"]
    assert url.startswith("http://127.0.0.1:8000/r/")
    token = url.rsplit("/", 1)[1]
    assert len(token) * 6 >= 128
    assert world.memory is not None
    assert token not in repr(world.memory.snapshot())  # the acknowledgement went: its link is kept no longer
    assert world.services.adapters.complaints.by_receipt(digest(token)).id == body["id"]  # type: ignore[union-attr]
    other = json.loads(post(api, VALID).body)["receipt_url"]
    assert other != url


def test_a_customer_with_an_email_gets_one_chinese_acknowledgement_with_the_promise_and_the_link(
    world: World, api: Any
) -> None:
    world.at(NOW)
    body = json.loads(post(api, VALID, {"Idempotency-Key": "k1"}).body)
    repeat = post(api, VALID, {"Idempotency-Key": "k1"})
    assert repeat.status_code == 200
    assert "receipt_url" not in json.loads(repeat.body)
    world.services.customer.retry(NOW + timedelta(minutes=10))
    assert len(world.mailer.sent) == 1
    sent = world.mailer.sent[0]
    assert sent.recipients == ("zhang.san@example.com",)
    assert sent.email.subject == "我们已收到您的投诉：客服没有回电话"
    assert "我们将在 2 小时内回复您（最迟 11月23日 14:00）" in sent.email.text
    assert body["receipt_url"] in sent.email.text
    assert body["receipt_url"] in sent.email.html
    assert world.services.adapters.claims.owed() == []


def test_no_email_no_acknowledgement_but_still_a_receipt(world: World, api: Any) -> None:
    world.at(NOW)
    payload = {k: v for k, v in VALID.items() if k != "customer_email"} | {"customer_phone": "13800138000"}
    assert json.loads(post(api, payload).body)["receipt_url"]
    assert world.mailer.sent == []
    assert world.services.adapters.claims.owed() == []


def test_a_failed_acknowledgement_is_sent_once_by_a_later_scan_after_its_lease(world: World, api: Any) -> None:
    world.at(NOW)
    world.mailer.failing = True
    body = json.loads(post(api, VALID).body)
    assert body["receipt_url"]
    world.mailer.failing = False
    assert world.services.customer.retry(NOW + timedelta(minutes=1)) == 0  # still under the intake's lease
    assert world.services.customer.retry(NOW + timedelta(minutes=6)) == 1
    assert world.services.customer.retry(NOW + timedelta(minutes=7)) == 0
    assert len(world.mailer.sent) == 1
    assert body["receipt_url"] in world.mailer.sent[0].email.text
    assert world.services.adapters.claims.happened(RECEIPT_SCOPE, body["id"])


def test_staff_cannot_record_an_event_in_the_customers_name(world: World, api: Any) -> None:
    world.at(NOW)
    complaint_id = json.loads(post(api, VALID).body)["id"]
    response = api.http.post(
        f"/complaints/{complaint_id}/events",
        body=json.dumps({"type": "note", "by": "customer", "note": "x"}),
        headers={"Content-Type": "application/json", **STAFF},
    )
    assert response.status_code == 422
    assert "by" in response.body.decode()


def test_an_urgent_complaint_relayed_late_is_acknowledged_owning_the_deadline_it_already_passed(
    world: World, api: Any
) -> None:
    world.at(NOW)
    late = {**URGENT, "received_at": (NOW - timedelta(minutes=30)).isoformat()}
    assert relay(api, late).status_code == 201
    [sent] = world.mailer.sent
    assert "我们已超过承诺的 30 分钟回复时限，正在尽快处理" in sent.email.text
    assert "我们已超过承诺的 30 分钟回复时限，正在尽快处理" in sent.email.html
    assert "最迟 11月23日 12:00" not in sent.email.text  # the deadline is this very moment: never promised
    assert "我们将在 2 小时内解决您的问题（最迟 11月23日 13:30）" in sent.email.text  # still ahead: still promised
