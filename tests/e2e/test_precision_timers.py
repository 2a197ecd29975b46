"""Done when (issue 18), on the local stack with the minute scan (SCAN_INTERVAL=60): an urgent complaint relayed
signed with `received_at` 29 minutes 50 seconds ago gets its warning within 2 seconds of the intake and its minor
breach within 2 seconds after the 30-minute deadline, from the timers and not the scan; nothing is notified twice."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from tests.e2e.conftest import start_stack, stop_stack
from tests.e2e.test_breach_alerts import printed_notices

pytestmark = pytest.mark.e2e
SECRET = "whsec_" + base64.b64encode(b"relay-secret-of-32-bytes-for-e2e").decode()


def test_a_late_relayed_urgent_complaint_is_warned_at_intake_and_breached_at_its_deadline_within_2_s(
    tmp_path: Path,
) -> None:
    secrets = json.dumps({"relay": [SECRET]})
    stack = start_stack(tmp_path, scan_interval="60", extra_env={"WEBHOOK_SECRETS": secrets})
    try:
        received = datetime.now(UTC) - timedelta(minutes=29, seconds=50)
        body = json.dumps(
            {
                "customer_name": "张三",
                "customer_email": "zhang.san@example.com",
                "category": "service",
                "priority": "urgent",
                "subject": "relayed late",
                "received_at": received.isoformat(),
            },
            ensure_ascii=False,
        )
        moment = posted = datetime.now(UTC)  # the timer may notify before the answer is back
        headers = {
            "Content-Type": "application/json",
            "webhook-id": "msg_late_relay",
            "webhook-timestamp": str(int(moment.timestamp())),
            "webhook-signature": Webhook(SECRET).sign("msg_late_relay", moment, body),
        }
        status, _, created = stack.request("POST", "/webhooks/relay", body.encode(), headers)
        assert status == 201, created
        deadline = datetime.fromisoformat(created["clocks"]["first_response"]["deadline"])
        assert timedelta(seconds=5) < deadline - posted <= timedelta(seconds=10)
        until = time.monotonic() + (deadline - datetime.now(UTC)).total_seconds() + 5
        while time.monotonic() < until:
            time.sleep(0.2)
        notices = [n for n in printed_notices(stack.lines) if n["complaint_id"] == created["id"]]
    finally:
        assert stop_stack(stack) == 0
    detected = {(n["level"], n["audience"]): datetime.fromisoformat(n["detected_at"]) for n in notices}
    assert sorted(detected) == [
        ("minor", "on_call"),
        ("minor", "regional_manager"),
        ("warning", "assignee"),
        ("warning", "on_call"),
    ]
    assert len({n["notice_id"] for n in notices}) == len(notices) == 4
    for audience in ("assignee", "on_call"):
        assert timedelta(0) <= detected[("warning", audience)] - posted <= timedelta(seconds=2)
    for audience in ("on_call", "regional_manager"):
        assert timedelta(0) < detected[("minor", audience)] - deadline <= timedelta(seconds=2)
