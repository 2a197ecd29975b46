"""End to end: the local stack rehearsing New Year's Eve 2026 (LOCAL_CLOCK_START). A product-quality complaint's
site visit is due in 2027 on the statutory holidays, marked provisional; urgent complaints posted beside it get
their notices; the operator is warned of the calendar cliff; the app's log lines are JSON."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import read_output, start_stack, stop_stack

pytestmark = pytest.mark.e2e
START = "2026-12-31T16:00:00+08:00"


def printed(lines: list[str], key: str) -> list[dict[str, Any]]:
    found = []
    for line in lines:
        text = line.strip()
        if text.startswith("{") and f'"{key}"' in text:
            found.append(json.loads(text))
    return found


def test_new_years_eve_rehearsed_gives_provisional_2027_deadlines_and_urgent_notices_on_time(tmp_path: Path) -> None:
    stack = start_stack(tmp_path, scan_interval="1", extra_env={"LOCAL_CLOCK_START": START})
    try:
        banner = "\n".join(stack.lines)
        assert f"clock:         starts at LOCAL_CLOCK_START={START}" in banner
        assert "WARNING: calendar office: confirmed holiday data through 2026-12-31 (0 days)" in banner
        status, _, visit = stack.post_json(
            {"customer_name": "王五", "customer_phone": "13912345678", "category": "product_quality", "subject": "漏水"}
        )
        assert status == 201
        now = datetime.fromisoformat(visit["received_at"])
        assert START[:13] == now.isoformat()[:13]  # the stack's clock, not the machine's
        site_visit = visit["clocks"]["site_visit"]
        assert site_visit["deadline"].startswith("2027-01-04T10:00")  # 2 h on 31 Dec, 1 h after New Year
        assert site_visit["provisional"] is True
        urgent = set()
        for number in range(8):
            status, _, body = stack.relay_json(
                {
                    "customer_name": "张三",
                    "customer_email": "zhang.san@example.com",
                    "category": "service",
                    "priority": "urgent",
                    "subject": f"urgent {number}",
                    "received_at": (now - timedelta(minutes=31)).isoformat(),
                }
            )
            assert status == 201
            urgent.add(body["id"])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            minors = {n["complaint_id"] for n in printed(read_output(stack), "notice_id") if n.get("level") == "minor"}
            if minors >= urgent:
                break
            time.sleep(0.5)
        lines = list(read_output(stack))
    finally:
        assert stop_stack(stack) == 0
    notices = printed(lines, "notice_id")
    assert {n["complaint_id"] for n in notices if n.get("level") == "minor"} == urgent
    horizon = [n for n in notices if n.get("topic") == "calendar_horizon"]
    assert [(n["calendar"], n["days_left"]) for n in horizon] == [("office", 0)]
    logs = printed(lines, "message")
    assert any(line["message"].startswith(f"complaint {visit['id']} created") for line in logs)
    assert all({"level", "message", "timestamp", "service"} <= set(line) for line in logs)
    app_lines = [line for line in lines[lines.index("Ctrl-C stops everything.") + 1 :] if line.startswith("{")]
    assert app_lines
    for line in app_lines:
        json.loads(line)


def test_a_clock_start_without_an_offset_stops_the_stack_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="LOCAL_CLOCK_START: '2026-12-31T16:00:00' has no UTC offset"):
        start_stack(tmp_path, extra_env={"LOCAL_CLOCK_START": "2026-12-31T16:00:00"})
