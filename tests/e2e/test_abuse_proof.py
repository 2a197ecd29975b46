"""End to end on the local stack (issue 12's "done when"): an anonymous POST cannot backdate, cannot set a priority,
cannot read or hijack another complaint through `external_id` or `Idempotency-Key`; a burst of 60 breached
complaints reaches each audience as at most 20 notices plus one roll-up per window; an event's `by` is the token's
person; an erased complaint leaves no trace of the customer in the emulator's table."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters.dynamo import from_item, unpacked
from tests.e2e.conftest import E2E_TOKEN, Stack, read_output, start_stack, stop_stack

pytestmark = pytest.mark.e2e
STAFF = {"Authorization": f"Bearer {E2E_TOKEN}"}  # li.lei's
JSON = {"Content-Type": "application/json"}
START = "2026-11-23T10:04:30+08:00"  # 30 s before the storm-control window 10:00-10:05 ends
FORM: dict[str, Any] = {
    "customer_name": "赵六",
    "customer_email": "zhao.liu@example.com",
    "category": "service",
    "subject": "快递丢件",
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("abuse"), scan_interval="1", extra_env={"LOCAL_CLOCK_START": START})
    yield running
    if running.process.poll() is None:
        assert stop_stack(running) == 0


def now_of(stack: Stack) -> datetime:
    """The stack's clock (LOCAL_CLOCK_START, running forward), as a complaint's time of receipt shows it."""
    status, _, body = stack.post_json({**FORM, "subject": "what time is it"})
    assert status == 201, body
    return datetime.fromisoformat(body["received_at"])


def fields(problem: Any) -> set[str]:
    return {error["field"] for error in problem["errors"]}


def test_an_anonymous_post_cannot_backdate_set_a_priority_or_reach_another_complaint(stack: Stack) -> None:
    now = now_of(stack)
    status, _, problem = stack.post_json({**FORM, "received_at": (now - timedelta(days=89)).isoformat()})
    assert (status, fields(problem)) == (422, {"received_at"})
    status, _, problem = stack.post_json({**FORM, "priority": "urgent", "complexity": "complex"})
    assert (status, fields(problem)) == (422, {"priority", "complexity"})

    status, _, genuine = stack.relay_json({**FORM, "external_id": "sub-42", "subject": "the genuine one"})
    assert status == 201
    status, _, problem = stack.post_json({**FORM, "external_id": "sub-42"})
    assert (status, fields(problem)) == (422, {"external_id"})
    assert genuine["id"] not in json.dumps(problem)

    status, _, squatted = stack.post_json(FORM, {"Idempotency-Key": "relay-42"})
    assert status == 201
    status, _, relayed = stack.relay_json({**FORM, "subject": "the relay's"}, headers={"Idempotency-Key": "relay-42"})
    assert status == 201
    assert relayed["id"] != squatted["id"]
    status, _, conflict = stack.post_json({**FORM, "subject": "changed"}, {"Idempotency-Key": "relay-42"})
    assert status == 409
    assert set(conflict) == {"type", "title", "status", "detail"}
    assert squatted["id"] not in json.dumps(conflict)


def test_by_comes_from_the_token(stack: Stack) -> None:
    status, _, created = stack.post_json(FORM)
    assert status == 201
    path = f"/complaints/{created['id']}/events"
    status, _, problem = stack.request(
        "POST", path, json.dumps({"type": "respond", "by": "general.manager"}).encode(), {**JSON, **STAFF}
    )
    assert (status, fields(problem)) == (422, {"by"})
    status, _, _ = stack.request("POST", path, json.dumps({"type": "respond"}).encode(), {**JSON, **STAFF})
    assert status == 200
    status, _, trail = stack.request("GET", path, headers=STAFF)
    assert [(e["type"], e["by"]) for e in trail["items"]] == [("received", "webhook:web"), ("respond", "li.lei")]


def printed(lines: list[str]) -> list[dict[str, Any]]:
    found = []
    for line in lines:
        text = line.strip()
        if text.startswith("{") and ('"notice_id"' in text or '"rollup_id"' in text):
            message = json.loads(text)
            if message.get("kind") in ("notice", "rollup"):
                found.append(message)
    return found


def window(moment: str) -> str:
    at = datetime.fromisoformat(moment)
    return at.replace(minute=at.minute - at.minute % 5, second=0, microsecond=0).isoformat()


def test_a_burst_of_sixty_breaches_reaches_each_audience_as_twenty_notices_and_one_roll_up_per_window(
    stack: Stack,
) -> None:
    now = now_of(stack)
    burst = set()
    for number in range(60):
        payload = {
            **FORM,
            "priority": "urgent",
            "subject": f"burst {number}",
            "received_at": (now - timedelta(minutes=31)).isoformat(),  # first response overdue: a minor breach
        }
        status, _, body = stack.relay_json(payload)
        assert status == 201, body
        burst.add(body["id"])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        messages = [m for m in printed(read_output(stack)) if m["kind"] == "rollup" or m["complaint_id"] in burst]
        totals: Counter[str] = Counter()
        for message in messages:
            totals[message["audience"]] += message["count"] if message["kind"] == "rollup" else 1
        if totals == {"on_call": 60, "regional_manager": 60}:
            break
        time.sleep(1)
    assert totals == {"on_call": 60, "regional_manager": 60}, totals
    per_window: Counter[tuple[str, str, str]] = Counter()
    for message in messages:
        when = message["window_start"] if message["kind"] == "rollup" else window(message["detected_at"])
        per_window[(message["audience"], window(when), message["kind"])] += 1
    for (audience, start, kind), count in per_window.items():
        assert count <= (20 if kind == "notice" else 1), (audience, start, kind, count)
    assert {kind for (_, _, kind) in per_window} == {"notice", "rollup"}


def test_an_erased_complaint_leaves_no_trace_of_the_customer_in_the_table(stack: Stack) -> None:
    customer = {
        "customer_name": "欧阳娜娜",
        "customer_email": "ouyang.nana@example.com",
        "customer_phone": "13987654321",
    }
    description = "包裹丢了，请打 139 8765 4321 找欧阳娜娜。"
    status, _, created = stack.post_json({**FORM, **customer, "description": description})
    assert status == 201
    path = f"/complaints/{created['id']}"
    note = {"type": "note", "note": "回电给欧阳娜娜，13987654321"}
    assert stack.request("POST", f"{path}/events", json.dumps(note).encode(), {**JSON, **STAFF})[0] == 200
    assert all(detail in table_text(stack) for detail in (*customer.values(), description))
    status, _, erased = stack.request(
        "POST", f"{path}/erase", json.dumps({"reason": "PIPL art. 47"}).encode(), {**JSON, **STAFF}
    )
    assert status == 200, erased
    assert erased["erased"]["by"] == "li.lei"
    text = table_text(stack)
    assert [d for d in (*customer.values(), description, "139 8765 4321") if d in text] == []
    assert created["id"] in text


def table_text(stack: Stack) -> str:
    """Every item of the emulator's table (a Scan: fine in a test, never in the app), a complaint's packed record
    opened."""
    client, table = stack.table()
    items: list[Any] = []
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        items.extend(unpacked(from_item(item)) if "record" in item else item for item in page["Items"])
    return json.dumps(items, ensure_ascii=False, default=str)


def test_nothing_of_the_customers_reached_the_stacks_output(stack: Stack) -> None:
    after_banner = "\n".join(stack.lines[stack.lines.index("Ctrl-C stops everything.") + 1 :])
    for detail in ("赵六", "zhao.liu@example.com", "欧阳娜娜", "13987654321"):
        assert detail not in after_banner
