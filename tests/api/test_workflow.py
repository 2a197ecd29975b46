"""Staff workflow over chalice.test.Client (on the twins; the listing on moto, to show it is index-served): events
move status and clocks, the audit trail records each, the state machine refuses what makes no sense, tokens are
required."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.views import ComplaintPage, ProblemDetails, StaffComplaintView
from infra.request_counter import DynamoRequests
from tests.conftest import STAFF, World
from tests.integration.helpers import event, post, trail

NOW = datetime.now(UTC).replace(microsecond=0)


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.body
    body: dict[str, Any] = json.loads(response.body)
    StaffComplaintView.model_validate(body)
    return body


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(response.body)
    ProblemDetails.model_validate(body)
    return body


@pytest.fixture
def complaint_id(world: World, api: Any) -> str:
    world.at(NOW)
    return post(api, NOW - timedelta(minutes=10))


def test_a_complaint_walks_from_receipt_to_satisfaction(api: Any, complaint_id: str) -> None:
    responded = ok(event(api, complaint_id, {"type": "respond", "by": "li.lei", "note": "called back"}))
    assert responded["clocks"]["first_response"]["state"] == "met"
    assert responded["clocks"]["resolution"]["state"] == "running"
    resolved = ok(event(api, complaint_id, {"type": "resolve", "by": "li.lei"}))
    assert resolved["status"] == "resolved"
    assert resolved["clocks"]["resolution"]["state"] == "met"
    assert resolved["clocks"]["follow_up"]["state"] == "running"
    confirmed = ok(event(api, complaint_id, {"type": "confirm", "by": "li.lei", "note": "customer confirmed"}))
    assert confirmed["status"] == "closed"
    assert confirmed["clocks"]["follow_up"]["state"] == "met"
    assert confirmed["allowed_events"] == ["satisfaction", "reopen", "note"]
    scored = ok(event(api, complaint_id, {"type": "satisfaction", "score": 5}))
    assert scored["satisfaction"] == 5
    steps = [(e["type"], e["status_before"], e["status_after"], e["by"]) for e in trail(api, complaint_id)]
    assert steps == [
        ("received", None, "open", "webhook:relay"),
        ("respond", "open", "open", "li.lei"),
        ("resolve", "open", "resolved", "li.lei"),
        ("confirm", "resolved", "closed", "li.lei"),
        ("satisfaction", "closed", "closed", "li.lei"),
    ]
    assert [e["sequence"] for e in trail(api, complaint_id)] == [1, 2, 3, 4, 5]


def test_a_site_visit_still_owed_after_resolve_can_be_recorded_and_stops_its_clock(world: World, api: Any) -> None:
    world.at(NOW)
    complaint_id = post(api, NOW - timedelta(minutes=10), category="product_quality")  # a visit within 3 office hours
    resolved = ok(event(api, complaint_id, {"type": "resolve", "note": "远程指导客户断电，已排除危险"}))
    assert resolved["clocks"]["site_visit"]["state"] == "running"  # the visit is still owed after the resolve
    assert "site_visit" in resolved["allowed_events"]
    visited = ok(event(api, complaint_id, {"type": "site_visit", "note": "工程师已上门检查"}))
    assert visited["status"] == "resolved"
    assert visited["clocks"]["site_visit"]["state"] == "met"


def test_staff_routes_refuse_requests_without_a_valid_token(api: Any, complaint_id: str) -> None:
    body = json.dumps({"type": "respond"}).encode()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dGVzdA=="}):
        requests = [
            api.http.post(
                f"/complaints/{complaint_id}/events", headers={"Content-Type": "application/json", **headers}, body=body
            ),
            api.http.get(f"/complaints/{complaint_id}/events", headers=headers),
            api.http.get(f"/complaints/{complaint_id}", headers=headers),
            api.http.get("/complaints", headers=headers),
        ]
        for response in requests:
            problem(response, 401)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert [e["type"] for e in trail(api, complaint_id)] == ["received"]


def test_confirm_before_resolve_is_a_conflict_naming_the_state(api: Any, complaint_id: str) -> None:
    found = problem(event(api, complaint_id, {"type": "confirm", "by": "li.lei"}), 409)
    assert "open" in found["detail"]
    assert "resolve" in found["detail"]
    ok(event(api, complaint_id, {"type": "resolve", "by": "li.lei"}))
    ok(event(api, complaint_id, {"type": "confirm", "by": "li.lei"}))
    refused = problem(event(api, complaint_id, {"type": "respond", "by": "li.lei"}), 409)
    assert "closed" in refused["detail"]
    problem(event(api, complaint_id, {"type": "confirm", "by": "li.lei"}), 409)
    ok(event(api, complaint_id, {"type": "satisfaction", "score": 2}))
    problem(event(api, complaint_id, {"type": "satisfaction", "score": 4}), 409)
    assert len(trail(api, complaint_id)) == 4


def test_satisfaction_before_confirm_is_a_conflict(api: Any, complaint_id: str) -> None:
    problem(event(api, complaint_id, {"type": "satisfaction", "score": 4}), 409)


def test_the_same_event_with_the_same_idempotency_key_is_applied_once(api: Any, complaint_id: str) -> None:
    body = {"type": "note", "by": "li.lei", "note": "left a voicemail"}
    first = ok(event(api, complaint_id, body, headers={"Idempotency-Key": "note-1"}))
    second = ok(event(api, complaint_id, body, headers={"Idempotency-Key": "note-1"}))
    assert first["version"] == second["version"]
    assert [e["type"] for e in trail(api, complaint_id)] == ["received", "note"]
    other = {**body, "note": "something else"}
    problem(event(api, complaint_id, other, headers={"Idempotency-Key": "note-1"}), 409)


def test_concurrent_updates_lose_no_audit_event(api: Any, complaint_id: str) -> None:
    statuses: list[int] = []

    def note(number: int) -> None:
        statuses.append(event(api, complaint_id, {"type": "note", "note": f"agent{number}"}).status_code)

    threads = [threading.Thread(target=note, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    accepted = statuses.count(200)
    assert set(statuses) <= {200, 409}
    events = trail(api, complaint_id)
    assert len(events) == 1 + accepted
    assert [e["sequence"] for e in events] == list(range(1, len(events) + 1))
    shown = json.loads(api.http.get(f"/complaints/{complaint_id}", headers=STAFF).body)
    assert shown["version"] == 1 + accepted


def test_backdated_events_are_accepted_but_not_future_or_before_receipt(api: Any, complaint_id: str) -> None:
    backdated = ok(
        event(api, complaint_id, {"type": "respond", "by": "li.lei", "at": (NOW - timedelta(minutes=5)).isoformat()})
    )
    assert backdated["clocks"]["first_response"]["ended_at"].startswith(
        (NOW - timedelta(minutes=5)).astimezone().strftime("%Y")
    )
    future = problem(
        event(api, complaint_id, {"type": "note", "note": "x", "at": (NOW + timedelta(hours=1)).isoformat()}), 422
    )
    assert [e["field"] for e in future["errors"]] == ["at"]
    early = problem(
        event(api, complaint_id, {"type": "note", "note": "x", "at": (NOW - timedelta(days=1)).isoformat()}), 422
    )
    assert [e["field"] for e in early["errors"]] == ["at"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"type": "pause"}, ["reason"]),
        ({"type": "pause", "reason": "force_majeure"}, ["note", "customer_informed"]),
        ({"type": "assign"}, ["assignee"]),
        ({"type": "satisfaction", "score": 6}, ["score"]),
        ({"type": "fly", "by": ""}, ["type", "by"]),
        ({"colour": "red"}, ["type", "colour"]),
    ],
)
def test_bad_events_name_every_bad_field(api: Any, complaint_id: str, body: dict[str, Any], fields: list[str]) -> None:
    found = problem(event(api, complaint_id, body), 422)
    assert sorted(e["field"] for e in found["errors"]) == sorted(fields)
    assert len(trail(api, complaint_id)) == 1


@pytest.mark.parametrize("body", [{"type": "note"}, {"type": "note", "note": ""}, {"type": "note", "note": " \n\t "}])
def test_a_note_without_text_is_refused_and_nothing_is_stored(
    world: World, api: Any, complaint_id: str, body: dict[str, Any]
) -> None:
    assert world.memory is not None
    before = world.memory.snapshot()
    found = problem(event(api, complaint_id, body), 422)
    assert [(e["field"], e["message"]) for e in found["errors"]] == [
        ("note", "is required for a note: write what it says")
    ]
    assert world.memory.snapshot() == before
    assert len(trail(api, complaint_id)) == 1


def test_pause_extends_resolution_and_resume_restarts_it(world: World, api: Any, complaint_id: str) -> None:
    before = ok(event(api, complaint_id, {"type": "pause", "reason": "waiting_on_customer"}))
    assert before["paused_reason"] == "waiting_on_customer"
    assert before["clocks"]["resolution"]["state"] == "paused"
    assert before["clocks"]["first_response"]["state"] == "running"  # acknowledging never pauses
    problem(event(api, complaint_id, {"type": "pause", "reason": "waiting_on_customer"}), 409)
    world.at(NOW + timedelta(minutes=30))
    after = ok(event(api, complaint_id, {"type": "resume"}))
    assert after["clocks"]["resolution"]["paused_seconds"] == 30 * 60
    old = datetime.fromisoformat(before["clocks"]["resolution"]["deadline"])
    assert datetime.fromisoformat(after["clocks"]["resolution"]["deadline"]) - old == timedelta(minutes=30)


def test_reopen_starts_a_new_resolution_cycle(api: Any, complaint_id: str) -> None:
    ok(event(api, complaint_id, {"type": "resolve"}))
    reopened = ok(event(api, complaint_id, {"type": "reopen", "note": "not fixed"}))
    assert reopened["status"] == "open"
    assert reopened["clocks"]["resolution"]["cycle"] == 2
    assert reopened["clocks"]["resolution"]["state"] == "running"
    assert reopened["clocks"]["resolution"]["grade"] == "ok"
    assert reopened["clocks"]["follow_up"]["state"] == "stopped"


def test_assign_sets_the_assignee(api: Any, complaint_id: str) -> None:
    assert ok(event(api, complaint_id, {"type": "assign", "assignee": "wang.fang"}))["assignee"] == "wang.fang"


def test_events_need_json(api: Any, complaint_id: str) -> None:
    response = api.http.post(
        f"/complaints/{complaint_id}/events",
        headers={"Content-Type": "application/x-www-form-urlencoded", **STAFF},
        body=b"type=note&by=x",
    )
    problem(response, 415)
    problem(event(api, "f" * 32, {"type": "note"}), 404)


def test_notices_are_appended_to_the_audit_trail(world: World, api: Any) -> None:
    world.at(NOW)
    complaint_id = post(api, NOW - timedelta(minutes=45))
    world.services.scanner.run(NOW, lambda: 60.0)
    notices = [e for e in trail(api, complaint_id) if e["type"] == "notice"]
    assert sorted(e["details"]["audience"] for e in notices) == ["on_call", "regional_manager"]
    assert all(e["by"] == "scanner" and e["details"]["level"] == "minor" for e in notices)
    ok(event(api, complaint_id, {"type": "respond"}))
    entries = trail(api, complaint_id)
    assert [e["sequence"] for e in entries] == [1, 2, 3, 4, 5, 6, 7]  # the respond, then its resolves
    resolves = [e for e in entries[4:] if e["type"] == "notice"]
    assert sorted(e["details"]["audience"] for e in resolves) == ["assignee", "on_call", "regional_manager"]
    assert {(e["details"]["type"], e["details"]["clock"]) for e in resolves} == {("resolved", "first_response")}


def test_listing_filters_and_pages_through_an_index(
    aws_world: World, aws_api: Any, dynamodb_requests: DynamoRequests
) -> None:
    world, api = aws_world, aws_api
    world.at(NOW)
    urgent = [post(api, NOW - timedelta(minutes=minutes)) for minutes in (1, 2, 3, 40, 70)]
    general = post(api, NOW - timedelta(minutes=5), priority="general", category="staff")
    ok(event(api, urgent[0], {"type": "resolve"}))
    dynamodb_requests.reset()

    def page(query: str) -> dict[str, Any]:
        response = api.http.get(f"/complaints?{query}", headers=STAFF)
        assert response.status_code == 200, response.body
        body: dict[str, Any] = json.loads(response.body)
        ComplaintPage.model_validate(body)
        return body

    everything = page("limit=100")
    assert [c["id"] for c in everything["items"]] == [urgent[1], urgent[2], general, urgent[3], urgent[4], urgent[0]]
    assert everything["items"][-1]["status"] == "resolved"
    assert [c["id"] for c in page("status=open&priority=general")["items"]] == [general]
    assert [c["id"] for c in page("status=open&grade=minor")["items"]] == [urgent[3]]
    assert [c["id"] for c in page("status=open&grade=major")["items"]] == [urgent[4]]
    assert [c["id"] for c in page("category=staff")["items"]] == [general]
    since = (NOW - timedelta(minutes=4)).isoformat().replace("+", "%2B")
    assert [c["id"] for c in page(f"status=open&received_from={since}")["items"]] == [urgent[1], urgent[2]]
    seen: list[str] = []
    cursor = ""
    while True:
        body = page(f"status=open&limit=2{cursor}")
        seen.extend(c["id"] for c in body["items"])
        if body["next_cursor"] is None:
            break
        cursor = f"&cursor={body['next_cursor']}"
    assert seen == [urgent[1], urgent[2], general, urgent[3], urgent[4]]
    assert dynamodb_requests.calls["Scan"] == 0
    assert dynamodb_requests.calls["Query"] > 0


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=lost", "status"), ("limit=0", "limit"), ("limit=abc", "limit"), ("cursor=bm9wZQ", "cursor"),
     ("received_from=yesterday", "received_from"), ("grade=awful", "grade")],
)  # fmt: skip
def test_bad_listing_parameters_are_named(api: Any, query: str, field: str) -> None:
    found = problem(api.http.get(f"/complaints?{query}", headers=STAFF), 422)
    assert [e["field"] for e in found["errors"]] == [field]
