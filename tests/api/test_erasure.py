"""Erasure (PIPL, GDPR) over the API, on the twins: POST /complaints/{id}/erase takes the customer's name, contact
details and description out of every item the complaint left (the complaint, its audit events, its notices),
keeps the anonymous complaint, its clocks, audit trail and report counts, and records who erased it and why.
(On DynamoDB, with a scan of the whole table: tests/integration/test_erasure.py.)"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import OTHER_STAFF, STAFF, World
from tests.intake import relay
from tests.integration.helpers import event, invoke

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
CUSTOMER = {
    "customer_name": "欧阳娜娜",
    "customer_email": "ouyang.nana@example.com",
    "customer_phone": "+86 139 8765 4321",
}
DESCRIPTION = "快递员把包裹扔在门口，丢了。请打 13987654321 联系我。"
DETAILS = ("欧阳娜娜", "ouyang.nana@example.com", "+86 139 8765 4321", "13987654321", DESCRIPTION)
JSON = {"Content-Type": "application/json"}


def new_complaint(world: World, api: Any) -> str:
    """A complaint whose customer's details are everywhere: in its record, in its subject and staff notes, with
    notices sent."""
    world.at(NOW - timedelta(minutes=40))
    payload = {
        **CUSTOMER,
        "category": "product_quality",
        "priority": "urgent",
        "subject": "欧阳娜娜的包裹丢了",
        "description": DESCRIPTION,
        "received_at": (NOW - timedelta(minutes=40)).isoformat(),
    }
    response = relay(api, payload)
    assert response.status_code == 201, response.body
    complaint_id: str = json.loads(response.body)["id"]
    world.at(NOW)
    note = {"type": "note", "note": "回电给欧阳娜娜 (13987654321)，她说：" + DESCRIPTION}
    assert event(api, complaint_id, note).status_code == 200
    invoke(api, "scan_due")
    return complaint_id


def erase(api: Any, complaint_id: str, reason: str, token: dict[str, str] = STAFF) -> Any:
    return api.http.post(
        f"/complaints/{complaint_id}/erase", headers={**JSON, **token}, body=json.dumps({"reason": reason}).encode()
    )


def holding(world: World) -> list[str]:
    """Every customer detail still found anywhere in the store."""
    text = str(world.stored())
    return [detail for detail in DETAILS if detail in text]


def test_an_erased_complaint_leaves_no_trace_of_the_customer_in_the_store(world: World, api: Any) -> None:
    complaint_id = new_complaint(world, api)
    assert holding(world) == list(DETAILS)
    assert world.notifier.published, "notices went out before the erasure"
    response = erase(api, complaint_id, "客户依《个人信息保护法》第47条要求删除（工单 PIPL-12）")
    assert response.status_code == 200, response.body
    assert holding(world) == []


def test_the_anonymous_complaint_its_clocks_trail_and_report_counts_stay(world: World, api: Any) -> None:
    complaint_id = new_complaint(world, api)
    before = json.loads(api.http.get(f"/complaints/{complaint_id}", headers=STAFF).body)
    trail_before = json.loads(api.http.get(f"/complaints/{complaint_id}/events", headers=STAFF).body)["items"]
    report_before = json.loads(api.http.get("/reports/monthly?month=2026-11", headers=STAFF).body)
    erased = json.loads(erase(api, complaint_id, "customer's request, ticket 12", OTHER_STAFF).body)
    assert erased["customer"] == {"name": "", "email": None, "phone": None}
    assert erased["description"] == ""
    assert erased["subject"] == "[erased]的包裹丢了"
    assert erased["erased"]["by"] == "han.mei"
    assert erased["erased"]["reason"] == "customer's request, ticket 12"
    for kept in ("id", "status", "category", "priority", "received_at", "clocks", "policy"):
        assert erased[kept] == before[kept], kept
    trail = json.loads(api.http.get(f"/complaints/{complaint_id}/events", headers=STAFF).body)["items"]
    assert [e["sequence"] for e in trail] == [*(e["sequence"] for e in trail_before), len(trail_before) + 1]
    assert [e["type"] for e in trail] == [*(e["type"] for e in trail_before), "erase"]
    assert (trail[-1]["by"], trail[-1]["details"]) == ("han.mei", {"reason": "customer's request, ticket 12"})
    [note] = [e for e in trail if e["type"] == "note"]
    assert note["details"]["note"] == "回电给[erased] ([erased])，她说：[erased]"
    assert json.loads(api.http.get("/reports/monthly?month=2026-11", headers=STAFF).body) == report_before


def test_a_reason_that_quotes_the_customer_is_kept_without_them(world: World, api: Any) -> None:
    complaint_id = new_complaint(world, api)
    erased = json.loads(erase(api, complaint_id, "欧阳娜娜 asked by phone").body)
    assert erased["erased"]["reason"] == "[erased] asked by phone"
    assert holding(world) == []


def test_erasing_twice_is_a_conflict_that_changes_nothing(world: World, api: Any) -> None:
    complaint_id = new_complaint(world, api)
    assert erase(api, complaint_id, "first").status_code == 200
    before = world.stored()
    again = erase(api, complaint_id, "second")
    assert again.status_code == 409
    assert "erased already" in json.loads(again.body)["detail"]
    assert world.stored() == before


def test_an_erasure_needs_a_reason_and_a_staff_token(world: World, api: Any) -> None:
    complaint_id = new_complaint(world, api)
    before = world.stored()
    assert erase(api, complaint_id, "").status_code == 422
    assert erase(api, complaint_id, "x", {"Authorization": "Bearer wrong"}).status_code == 401
    missing = api.http.post(f"/complaints/{complaint_id}/erase", headers={**JSON, **STAFF}, body=b"{}")
    assert [e["field"] for e in json.loads(missing.body)["errors"]] == ["reason"]
    assert world.stored() == before


def test_the_work_goes_on_after_an_erasure(world: World, api: Any) -> None:
    complaint_id = new_complaint(world, api)
    erase(api, complaint_id, "customer's request")
    assert event(api, complaint_id, {"type": "respond"}).status_code == 200
    world.at(NOW + timedelta(hours=30))
    invoke(api, "scan_due")
    invoke(api, "send_digests")
    assert holding(world) == []
