"""End to end on the local stack: a channels file points a `pagerduty` and a `webhook` channel at a receiver on
127.0.0.1. An overdue urgent complaint pages once (trigger, dedup_key {id}.first_response.1, severity error), the
webhook gets the notice signed so that the `standardwebhooks` package verifies it with the channel's secret, a
`respond` resolves the incident, and an email subscriber of the alerts topic reads Chinese text, not JSON."""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from tests.e2e.conftest import E2E_TOKEN, Stack, start_stack, stop_stack
from tests.intake import URGENT
from tests.receivers import Received, Receiver, receiving

pytestmark = pytest.mark.e2e
STAFF = {"Authorization": f"Bearer {E2E_TOKEN}", "Content-Type": "application/json"}
ROUTING_KEY = "e2e" + "0" * 29  # a 32-character integration key
SIGNING_SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def wait_for(condition: Callable[[], bool], seconds: float = 40.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError("timed out waiting")


def events(receiver: Receiver, action: str) -> list[Received]:
    return [r for r in receiver.at("/pagerduty") if r.json()["event_action"] == action]


def start_with_channels(tmp_path: Path, receiver: Receiver) -> Stack:
    channels = tmp_path / "channels.yaml"
    channels.write_text(
        "channels:\n"
        "  - name: pager\n"
        "    kind: pagerduty\n"
        f"    url: {receiver.url('/pagerduty')}\n"
        "    secret_env: E2E_PAGERDUTY_ROUTING_KEY\n"
        "  - name: hooks\n"
        "    kind: webhook\n"
        f"    url: {receiver.url('/webhook')}\n"
        "    secret_env: E2E_WEBHOOK_SECRET\n",
        encoding="utf-8",
    )
    env = {
        "CHANNELS_FILE": str(channels),
        "E2E_PAGERDUTY_ROUTING_KEY": ROUTING_KEY,
        "E2E_WEBHOOK_SECRET": SIGNING_SECRET,
    }
    return start_stack(tmp_path, scan_interval="1", extra_env=env)


def test_an_overdue_urgent_complaint_pages_once_is_resolved_on_respond_and_signs_its_webhook(tmp_path: Path) -> None:
    with receiving() as receiver:
        stack = start_with_channels(tmp_path, receiver)
        try:
            assert "channels:      pager (pagerduty), hooks (webhook)" in "\n".join(stack.lines)
            received_at = datetime.now(UTC) - timedelta(minutes=45)
            payload = {**URGENT, "received_at": received_at.isoformat()}
            status, _, complaint = stack.relay_json(payload)
            assert status == 201
            complaint_id = complaint["id"]
            wait_for(lambda: len(events(receiver, "trigger")) >= 1 and len(receiver.at("/webhook")) >= 1)
            time.sleep(3)  # several more scans and relay polls: nothing may repeat
            triggers = events(receiver, "trigger")
            assert len(triggers) == 1
            trigger = triggers[0].json()
            assert trigger["dedup_key"] == f"{complaint_id}.first_response.1"
            assert trigger["payload"]["severity"] == "error"
            assert trigger["routing_key"] == ROUTING_KEY
            assert trigger["links"][0]["href"].endswith(f"/console/complaints/{complaint_id}")

            hooks = receiver.at("/webhook")
            assert len(hooks) == 1
            notice = Webhook(SIGNING_SECRET).verify(hooks[0].body, hooks[0].headers)
            assert (notice["complaint_id"], notice["clock"], notice["level"]) == (
                complaint_id,
                "first_response",
                "minor",
            )
            assert hooks[0].headers["webhook-id"] == notice["notice_id"]

            respond = json.dumps({"type": "respond", "by": "li.lei"}).encode()
            status, _, _ = stack.request("POST", f"/complaints/{complaint_id}/events", respond, STAFF)
            assert status == 200
            wait_for(lambda: len(events(receiver, "resolve")) >= 1)
            time.sleep(2)
            resolves = events(receiver, "resolve")
            assert [r.json() for r in resolves] == [
                {"routing_key": ROUTING_KEY, "dedup_key": f"{complaint_id}.first_response.1", "event_action": "resolve"}
            ]
            wait_for(lambda: len(receiver.at("/webhook")) >= 2)
            resolved = Webhook(SIGNING_SECRET).verify(
                receiver.at("/webhook")[1].body, receiver.at("/webhook")[1].headers
            )
            assert (resolved["type"], resolved["outcome"]) == ("resolved", "breached")
            lines = list(stack.lines)
        finally:
            assert stop_stack(stack) == 0
    # What an email subscriber of the alerts topic reads (the `email` message of what was published).
    subjects = [line for line in lines if line.startswith("[sns email] Subject: ")]
    assert "[sns email] Subject: 【轻微违约】首次响应时限超时15分钟：客服没有回电话" in subjects
    start = lines.index("[sns email] Subject: 【轻微违约】首次响应时限超时15分钟：客服没有回电话")
    body = []
    for line in lines[start + 1 :]:
        if not line.startswith("  | "):
            break
        body.append(line[4:])
    text = "\n".join(body)
    assert text.startswith("投诉「客服没有回电话」的首次响应时限已轻微违约")
    assert "优先级：紧急" in text
    assert f"/console/complaints/{complaint_id}" in text
    assert "{" not in text
    for code in ("first_response", "minor", "urgent", "service", "on_call"):
        assert code not in text
    after_banner = "\n".join(lines[lines.index("Ctrl-C stops everything.") + 1 :])
    sent = b"".join(r.body for r in receiver.requests).decode("utf-8")
    for detail in ("张三", "zhang.san@example.com", "13800138000"):
        assert detail not in after_banner
        assert detail not in sent
