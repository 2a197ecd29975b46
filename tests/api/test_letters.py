"""Each commitment letter's policy file through the API (SLA_POLICY_FILE, on the twins): a complaint posted under it
answers with the clocks its letter promises and their deadlines; the letters' staff events (hand-off, approval,
reply, agreed deadlines, triage) through POST /complaints/{id}/events, each in the audit trail."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.views import AuditTrail, ComplaintView, StaffComplaintView
from infra.request_counter import DynamoRequests
from tests.conftest import STAFF, World
from tests.intake import relay
from tests.integration.helpers import notices, subscribe

SH = ZoneInfo("Asia/Shanghai")
LETTERS = Path(__file__).resolve().parents[2] / "chalicelib" / "policy" / "letters"
RECEIVED = datetime(2026, 11, 20, 17, 0, tzinfo=SH)  # a Friday, an hour before the weekend

# file -> (fields, {clock: deadline}) as the letters say (worked out in tests/unit/test_letters.py)
PROMISED: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "customer-relations.yaml": (
        {},
        {"first_response": "2026-11-20T17:30:00+08:00", "plan": "2026-11-20T19:00:00+08:00"},
    ),
    "complaint-handling.yaml": (
        {"category": "product_quality", "warranty": True, "cross_department": True},
        {
            "first_response": "2026-11-20T19:00:00+08:00",
            "resolution": "2026-12-05T17:00:00+08:00",
            "approval": "2026-11-23T17:00:00+08:00",
            "reply": "2026-11-21T17:00:00+08:00",
            "dispatch": "2026-11-22T17:00:00+08:00",
            "site_visit": "2026-11-23T11:00:00+08:00",
        },
    ),
    "online-service.yaml": (
        {"complexity": "complex"},
        {"first_response": "2026-11-20T17:30:00+08:00", "plan": "2026-11-20T21:00:00+08:00"},
    ),
    "after-sales.yaml": (
        {},
        {
            "first_response": "2026-11-20T17:30:00+08:00",
            "handoff": "2026-11-23T17:00:00+08:00",
            "plan": "2026-11-21T17:00:00+08:00",
        },
    ),
    "service-contract.yaml": ({}, {"plan": "2026-11-22T17:00:00+08:00"}),
}


def post(api: Any, **fields: Any) -> dict[str, Any]:
    payload = {
        "customer_name": "客户乙",
        "customer_phone": "13900139000",
        "category": "service",
        "subject": "投诉",
        "received_at": RECEIVED.isoformat(),
        **fields,
    }
    response = relay(api, payload)  # a trusted, signed source: it may set priority, flags and the time of receipt
    assert response.status_code == 201, response.body
    body: dict[str, Any] = json.loads(response.body)
    ComplaintView.model_validate(body)
    return body


def event(api: Any, complaint_id: str, **body: Any) -> Any:
    return api.http.post(
        f"/complaints/{complaint_id}/events",
        headers={"Content-Type": "application/json", **STAFF},
        body=json.dumps({"by": "li.lei", **body}),
    )


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.body
    body: dict[str, Any] = json.loads(response.body)
    StaffComplaintView.model_validate(body)
    return body


@pytest.mark.parametrize("file", sorted(PROMISED))
def test_a_complaint_under_each_letter_shows_the_clocks_it_promises(world: World, api: Any, file: str) -> None:
    world.reconfigure(sla_policy_file=LETTERS / file)
    world.at(RECEIVED.replace(minute=1))
    fields, promised = PROMISED[file]
    body = post(api, **fields)
    assert {name: clock["deadline"] for name, clock in body["clocks"].items()} == promised
    assert all(clock["agreed"] is False for clock in body["clocks"].values())
    assert body["policy"]["name"].startswith(file.removesuffix(".yaml"))


def test_an_agreed_site_visit_moves_its_deadline_and_says_so(world: World, api: Any) -> None:
    world.reconfigure(sla_policy_file=LETTERS / "complaint-handling.yaml")
    world.at(RECEIVED.replace(minute=1))
    complaint = post(api, category="product_quality", remote_area=True)
    assert complaint["clocks"]["site_visit"]["deadline"] == "2026-11-23T11:00:00+08:00"
    world.at(RECEIVED.replace(minute=30))
    agreed = ok(
        event(
            api,
            complaint["id"],
            type="agree",
            clock="site_visit",
            deadline="2026-11-21T10:00:00+08:00",
            note="偏远地区，客户约定周六上午十点",
        )
    )
    visit = agreed["clocks"]["site_visit"]
    assert (visit["deadline"], visit["agreed"]) == ("2026-11-21T10:00:00+08:00", True)
    trail = json.loads(api.http.get(f"/complaints/{complaint['id']}/events", headers=STAFF).body)
    AuditTrail.model_validate(trail)
    [entry] = [item for item in trail["items"] if item["type"] == "agree"]
    assert entry["details"] == {
        "note": "偏远地区，客户约定周六上午十点",
        "clock": "site_visit",
        "deadline_before": "2026-11-23T11:00:00+08:00",
        "deadline": "2026-11-21T10:00:00+08:00",
    }


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"type": "agree"}, ["clock", "deadline", "note"]),
        ({"type": "agree", "clock": "site_visit", "deadline": "tomorrow", "note": "x"}, ["deadline"]),
        ({"type": "agree", "clock": "dispatch", "deadline": "2026-11-21T10:00:00+08:00", "note": "x"}, ["clock"]),
        ({"type": "agree", "clock": "site_visit", "deadline": "2026-11-20T16:00:00+08:00", "note": "x"}, ["deadline"]),
        ({"type": "handoff"}, ["department"]),
        ({"type": "respond", "department": "品管部", "priority": "urgent"}, ["department", "priority"]),
        ({"type": "triage"}, ["type"]),
        ({"type": "triage", "warranty": "yes"}, ["warranty"]),
        ({"type": "triage", "category": "product_quality"}, ["type"]),  # it is already
        ({"type": "pause", "reason": "waiting_on_customer", "customer_informed": True}, ["customer_informed"]),
        ({"type": "pause", "reason": "force_majeure", "note": "x", "customer_informed": "soon"}, ["customer_informed"]),
    ],
)
def test_bad_letter_events_name_every_bad_field(
    world: World, api: Any, body: dict[str, Any], fields: list[str]
) -> None:
    world.reconfigure(sla_policy_file=LETTERS / "complaint-handling.yaml")
    world.at(RECEIVED.replace(minute=1))
    complaint = post(api, category="product_quality")
    response = event(api, complaint["id"], **body)
    assert response.status_code == 422, response.body
    assert [error["field"] for error in json.loads(response.body)["errors"]] == fields


def test_an_agreement_after_the_deadline_is_a_conflict(world: World, api: Any) -> None:
    world.reconfigure(sla_policy_file=LETTERS / "complaint-handling.yaml")
    world.at(RECEIVED.replace(minute=1))
    complaint = post(api, category="product_quality")
    world.at(datetime(2026, 11, 23, 12, 0, tzinfo=SH))
    response = event(api, complaint["id"], type="agree", clock="site_visit", deadline="2026-11-24T10:00:00+08:00",
                     note="late")  # fmt: skip
    assert response.status_code == 409
    assert "2026-11-23T11:00:00+08:00" in json.loads(response.body)["detail"]


def test_a_triage_through_the_api_sets_the_flags_and_the_clocks_follow(world: World, api: Any) -> None:
    world.reconfigure(sla_policy_file=LETTERS / "complaint-handling.yaml")
    world.at(RECEIVED.replace(minute=1))
    complaint = post(api)
    assert set(complaint["clocks"]) == {"first_response", "resolution", "handoff"}
    world.at(RECEIVED.replace(minute=20))
    triaged = ok(event(api, complaint["id"], type="triage", cross_department=True, warranty=True))
    assert (triaged["cross_department"], triaged["warranty"], triaged["remote_area"]) == (True, True, False)
    assert triaged["clocks"]["approval"]["deadline"] == "2026-11-23T17:00:00+08:00"
    assert triaged["clocks"]["dispatch"]["deadline"] == "2026-11-22T17:00:00+08:00"
    assert "triage" in triaged["allowed_events"]
    resolved = ok(event(api, complaint["id"], type="resolve"))
    assert "triage" not in resolved["allowed_events"]  # allowed until the complaint is resolved


def test_a_reported_intake_is_one_transaction_then_one_publish_and_one_write_marking_it_sent(
    aws_world: World, aws_api: Any, dynamodb_requests: DynamoRequests
) -> None:
    """On moto: the reports are claimed in intake's one transaction, given their audiences' storm-control slots,
    published through SNS, then marked sent."""
    assert aws_world.resources is not None
    queue = subscribe(
        aws_world.resources.topics["AlertsTopic"], "management", {"audience": ["management_rep", "general_manager"]}
    )
    aws_world.at(RECEIVED.replace(minute=1))
    complaint = post(aws_api, category="product_quality")
    # the write; a storm-control slot per audience (one UpdateItem each); the two marked sent in one batch
    assert dynamodb_requests.calls == {"TransactWriteItems": 1, "UpdateItem": 2, "BatchWriteItem": 1}
    got = sorted((n["type"], n["event"], n["audience"], n["complaint_id"]) for n in notices(queue))
    assert got == [
        ("event", "received", "general_manager", complaint["id"]),
        ("event", "received", "management_rep", complaint["id"]),
    ]
