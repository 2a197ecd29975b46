"""End to end on the local stack with fast schedules: urgent complaints received 25, 45 and 70 minutes ago
yield exactly one warning, minor and major first-response notice each (per audience), printed by the stack,
and later runs repeat none."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import read_output, start_stack, stop_stack

pytestmark = pytest.mark.e2e


def printed_notices(lines: list[str]) -> list[dict[str, Any]]:
    found = []
    for line in lines:
        text = line.strip()
        if text.startswith("{") and '"notice_id"' in text:
            notice = json.loads(text)
            if notice.get("kind") != "operator":  # operator notices (e.g. the calendar horizon) are the ops topic's
                found.append(notice)
    return found


def test_breach_notices_are_printed_once_each(tmp_path: Path) -> None:
    stack = start_stack(tmp_path, scan_interval="1")
    try:
        now = datetime.now(UTC)
        ids = {}
        for minutes in (25, 45, 70):
            payload = {
                "customer_name": "张三",
                "customer_email": "zhang.san@example.com",
                "category": "service",
                "priority": "urgent",
                "subject": f"received {minutes} minutes ago",
                "received_at": (now - timedelta(minutes=minutes)).isoformat(),
            }
            status, _, body = stack.relay_json(payload)  # a trusted system: it may say when it was received
            assert status == 201
            ids[body["id"]] = minutes
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(printed_notices(read_output(stack))) < 5:
            time.sleep(0.5)
        time.sleep(4)  # several more runs: nothing may repeat
        notices = printed_notices(read_output(stack))
    finally:
        assert stop_stack(stack) == 0
    first_response = sorted(
        (ids[n["complaint_id"]], n["level"], n["audience"]) for n in notices if n["clock"] == "first_response"
    )
    assert first_response == [
        (25, "warning", "assignee"),
        (25, "warning", "on_call"),
        (45, "minor", "on_call"),
        (45, "minor", "regional_manager"),
        (70, "major", "marketing_director"),
    ]
    assert len({n["notice_id"] for n in notices}) == len(notices)
    after_banner = "\n".join(stack.lines[stack.lines.index("Ctrl-C stops everything.") + 1 :])
    assert "张三" not in after_banner
    assert "zhang.san@example.com" not in after_banner
