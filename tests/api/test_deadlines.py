"""Deadlines over the API: the brief's targets for every kind of complaint, the worked examples, deadlines
fixed at intake whatever later happens to the policy file, and an explicit error for a year without holidays."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.settings import DEFAULT_POLICY_FILE
from tests.conftest import STAFF, World
from tests.intake import URGENT, relay

MINUTE = 60
HOUR = 3600
DAY = 86400
CLOCK_FIELDS = {"state", "started_at", "deadline", "target", "paused_seconds", "grade", "remaining_seconds"}
# The brief's table, 7x24 clock: priority -> (first_response, resolution general, resolution complex, update).
BRIEF_TARGETS = {
    "urgent": (30 * MINUTE, 2 * HOUR, 4 * HOUR, 1 * HOUR),
    "important": (2 * HOUR, 24 * HOUR, 48 * HOUR, 24 * HOUR),
    "general": (2 * HOUR, 48 * HOUR, 15 * DAY, 24 * HOUR),  # first reply 2 h (001 part 5; 003 letter 1)
}
FRIDAY_17_00 = datetime(2026, 11, 20, 9, tzinfo=UTC)  # Fri 2026-11-20 17:00 +08:00


def complaint(**fields: str) -> dict[str, str]:
    """The suite's urgent service complaint with `fields` in their place."""
    return {**URGENT, **fields}


def post(api: Any, body: dict[str, str]) -> dict[str, Any]:
    """Through the signed relay: the public form may set neither a priority nor a time of receipt."""
    response = relay(api, body)
    assert response.status_code == 201, response.body
    created: dict[str, Any] = json.loads(response.body)
    return created


def get(api: Any, complaint_id: str) -> dict[str, Any]:
    response = api.http.get(f"/complaints/{complaint_id}", headers=STAFF)
    assert response.status_code == 200, response.body
    shown: dict[str, Any] = json.loads(response.body)
    return shown


@pytest.fixture
def clock_at(world: World) -> Callable[[datetime], None]:
    """Set the app's current time."""
    return world.at


def use_policy(world: World, path: Path, text: str) -> None:
    """Point the app at a new policy file (what SLA_POLICY_FILE does); what is stored stays."""
    path.write_text(text, encoding="utf-8")
    world.reconfigure(sla_policy_file=path)


@pytest.mark.parametrize("category", ["service", "staff", "product_quality"])
@pytest.mark.parametrize("complexity", ["general", "complex"])
@pytest.mark.parametrize("priority", ["urgent", "important", "general"])
def test_every_kind_of_complaint_gets_the_deadlines_of_the_brief(
    api: Any, clock_at: Callable[[datetime], None], priority: str, complexity: str, category: str
) -> None:
    clock_at(FRIDAY_17_00)
    body = post(api, complaint(priority=priority, complexity=complexity, category=category))
    first_response, resolution_general, resolution_complex, update = BRIEF_TARGETS[priority]
    expected = {
        "first_response": first_response,
        "resolution": resolution_complex if complexity == "complex" else resolution_general,
    }
    if complexity == "complex":
        expected["progress_update"] = update
    names = set(expected) | ({"site_visit"} if category == "product_quality" else set())
    assert set(body["clocks"]) == names  # follow_up starts only when a solution is delivered
    for name, clock in body["clocks"].items():
        assert set(clock) >= CLOCK_FIELDS, name
        assert clock["state"] == "running"
        assert clock["grade"] == "ok"
        assert clock["paused_seconds"] == 0
        assert clock["started_at"] == "2026-11-20T17:00:00+08:00"
        assert clock["deadline"].endswith("+08:00")
        started_at = datetime.fromisoformat(clock["started_at"])
        deadline = datetime.fromisoformat(clock["deadline"])
        if name == "site_visit":
            assert (clock["target"], clock["calendar"]) == ("3h", "office")
            assert clock["deadline"] == "2026-11-23T11:00:00+08:00"
            assert clock["remaining_seconds"] == 3 * HOUR
        else:
            assert clock["calendar"] == "24x7"
            assert (deadline - started_at).total_seconds() == expected[name], name
            assert clock["remaining_seconds"] == expected[name]


@pytest.mark.parametrize(
    ("received_at", "due"),
    [
        ("2026-11-20T17:00:00+08:00", "2026-11-23T11:00:00+08:00"),
        ("2026-11-23T11:00:00+08:00", "2026-11-23T15:30:00+08:00"),
        ("2026-09-30T17:00:00+08:00", "2026-10-08T11:00:00+08:00"),
        ("2026-10-09T16:30:00+08:00", "2026-10-10T10:30:00+08:00"),
    ],
)
def test_worked_examples_over_the_api(
    api: Any, clock_at: Callable[[datetime], None], received_at: str, due: str
) -> None:
    clock_at(datetime.fromisoformat(received_at) + timedelta(minutes=2))
    body = post(api, complaint(category="product_quality", received_at=received_at))
    assert body["received_at"] == received_at
    assert body["clocks"]["site_visit"]["deadline"] == due
    assert get(api, body["id"])["clocks"]["site_visit"]["deadline"] == due


def test_changing_the_policy_file_does_not_move_the_deadlines_of_open_complaints(
    world: World, api: Any, clock_at: Callable[[datetime], None], tmp_path: Path
) -> None:
    clock_at(FRIDAY_17_00)
    old = post(api, complaint(priority="urgent", category="product_quality"))
    assert old["clocks"]["first_response"]["deadline"] == "2026-11-20T17:30:00+08:00"
    assert old["clocks"]["site_visit"]["deadline"] == "2026-11-23T11:00:00+08:00"
    text = DEFAULT_POLICY_FILE.read_text(encoding="utf-8")
    changed = (
        text.replace('version: "2026.11"', 'version: "2026.12"')
        .replace("first_response: {target: 30m}", "first_response: {target: 10m}")
        .replace("{target: 3h, calendar: office", "{target: 1h, calendar: office")
    )
    use_policy(world, tmp_path / "policy.yaml", changed)

    clock_at(FRIDAY_17_00 + timedelta(minutes=5))
    shown = get(api, old["id"])
    assert shown["policy"] == {"name": "urgent", "version": "2026.11"}
    assert shown["clocks"]["first_response"]["deadline"] == "2026-11-20T17:30:00+08:00"
    assert shown["clocks"]["first_response"]["target"] == "30m"
    assert shown["clocks"]["first_response"]["remaining_seconds"] == 25 * MINUTE
    assert shown["clocks"]["site_visit"]["deadline"] == "2026-11-23T11:00:00+08:00"
    assert shown["clocks"]["site_visit"]["target"] == "3h"

    new = post(api, complaint(priority="urgent", category="product_quality", subject="second"))
    assert new["clocks"]["first_response"]["deadline"] == "2026-11-20T17:15:00+08:00"
    assert new["clocks"]["first_response"]["target"] == "10m"
    assert new["clocks"]["site_visit"]["deadline"] == "2026-11-23T09:05:00+08:00"
    assert get(api, new["id"])["policy"] == {"name": "urgent", "version": "2026.12"}


def test_a_policy_file_that_drops_a_calendar_still_shows_the_old_deadlines(
    world: World, api: Any, clock_at: Callable[[datetime], None], tmp_path: Path
) -> None:
    clock_at(FRIDAY_17_00)
    old = post(api, complaint(category="product_quality"))
    renamed = DEFAULT_POLICY_FILE.read_text(encoding="utf-8").replace("office", "headquarters")
    use_policy(world, tmp_path / "renamed.yaml", renamed)
    shown = get(api, old["id"])
    assert shown["clocks"]["site_visit"]["deadline"] == "2026-11-23T11:00:00+08:00"
    assert "'office'" in shown["clocks"]["site_visit"]["error"]
    assert shown["clocks"]["first_response"]["remaining_seconds"] == 30 * MINUTE


def test_a_deadline_in_a_year_without_confirmed_adjusted_days_is_provisional_never_null(
    api: Any, clock_at: Callable[[datetime], None]
) -> None:
    clock_at(datetime(2026, 12, 31, 9, tzinfo=UTC))  # Thu 2026-12-31 17:00 +08:00
    body = post(api, complaint(category="product_quality"))
    for shown in (body, get(api, body["id"])):
        site_visit = shown["clocks"]["site_visit"]
        assert site_visit["deadline"] == "2027-01-04T11:00:00+08:00"  # 1 Jan 2027 is a statutory holiday
        assert site_visit["provisional"] is True
        assert "error" not in site_visit
        assert site_visit["remaining_seconds"] == 3 * 3600
        assert shown["clocks"]["first_response"]["deadline"] == "2026-12-31T17:30:00+08:00"
        assert shown["clocks"]["first_response"]["provisional"] is False
