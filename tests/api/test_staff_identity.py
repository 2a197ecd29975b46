"""Staff identity and honest times: an event is recorded under the person its token belongs to (a `by` naming
someone else is refused), `at` may be at most an hour in the past (never before receipt, never ahead), and the audit
trail keeps both `at` and the server's `recorded_at`. The review's attack — a `respond` posted 89 days late, dated a
minute after receipt, by "general.manager" — is refused whole."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import OTHER_STAFF, STAFF, World
from tests.integration.helpers import errors_of, event, post, trail

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


@pytest.fixture
def complaint_id(world: World, api: Any) -> str:
    world.at(NOW)
    return post(api, NOW - timedelta(hours=3))


def test_an_event_is_recorded_under_the_tokens_person(api: Any, complaint_id: str) -> None:
    assert event(api, complaint_id, {"type": "note", "note": "called"}).status_code == 200
    assert event(api, complaint_id, {"type": "note", "note": "called too"}, OTHER_STAFF).status_code == 200
    assert event(api, complaint_id, {"type": "respond", "by": "li.lei"}).status_code == 200
    assert [(e["type"], e["by"]) for e in trail(api, complaint_id)[1:]] == [
        ("note", "li.lei"),
        ("note", "han.mei"),
        ("respond", "li.lei"),
    ]


def test_a_by_that_names_someone_else_is_refused_and_nothing_recorded(api: Any, complaint_id: str) -> None:
    message = errors_of(event(api, complaint_id, {"type": "respond", "by": "general.manager"}))["by"]
    assert "li.lei" in message
    assert errors_of(event(api, complaint_id, {"type": "note", "by": "li.lei"}, OTHER_STAFF))["by"]
    assert [e["type"] for e in trail(api, complaint_id)] == ["received"]


def test_the_reviews_backdated_respond_is_refused(world: World, api: Any) -> None:
    world.at(NOW)
    received = NOW - timedelta(days=89)
    complaint_id = post(api, received)
    attack = {"type": "respond", "by": "general.manager", "at": (received + timedelta(minutes=1)).isoformat()}
    errors = errors_of(event(api, complaint_id, attack))
    assert set(errors) == {"by", "at"}
    assert "more than 1 hour in the past" in errors["at"]
    shown = json.loads(api.http.get(f"/complaints/{complaint_id}", headers=STAFF).body)
    assert shown["clocks"]["first_response"]["state"] == "running"


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (timedelta(minutes=-59), True),
        (timedelta(minutes=-61), False),
        (timedelta(seconds=30), True),  # clock skew
        (timedelta(minutes=5), False),
    ],
    ids=["59 min ago", "61 min ago", "30 s ahead", "5 min ahead"],
)
def test_at_may_be_at_most_an_hour_in_the_past_and_never_ahead(
    api: Any, complaint_id: str, offset: timedelta, accepted: bool
) -> None:
    response = event(api, complaint_id, {"type": "note", "note": "x", "at": (NOW + offset).isoformat()})
    if accepted:
        assert response.status_code == 200, response.body
    else:
        assert "at" in errors_of(response)


def test_at_is_never_before_receipt(world: World, api: Any) -> None:
    world.at(NOW)
    complaint_id = post(api, NOW - timedelta(minutes=10))
    errors = errors_of(event(api, complaint_id, {"type": "respond", "at": (NOW - timedelta(minutes=20)).isoformat()}))
    assert "before the complaint was received" in errors["at"]


def test_the_trail_keeps_when_it_happened_and_when_it_was_recorded(api: Any, complaint_id: str) -> None:
    happened = NOW - timedelta(minutes=40)
    assert event(api, complaint_id, {"type": "respond", "at": happened.isoformat()}).status_code == 200
    recorded = trail(api, complaint_id)[-1]
    assert datetime.fromisoformat(recorded["at"]) == happened
    assert datetime.fromisoformat(recorded["recorded_at"]) == NOW


def test_a_repeat_under_the_same_key_by_another_person_is_a_conflict(api: Any, complaint_id: str) -> None:
    body = {"type": "note", "note": "called"}
    assert event(api, complaint_id, body, {**STAFF, "Idempotency-Key": "n-1"}).status_code == 200
    assert event(api, complaint_id, body, {**STAFF, "Idempotency-Key": "n-1"}).status_code == 200
    assert event(api, complaint_id, body, {**OTHER_STAFF, "Idempotency-Key": "n-1"}).status_code == 409
    assert [e["type"] for e in trail(api, complaint_id)] == ["received", "note"]
