"""End to end: the local stack started as `make run` starts it, spoken to over HTTP."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest

from tests.e2e.conftest import STAFF, Stack, start_stack, stop_stack
from tests.intake import URGENT, public

pytestmark = pytest.mark.e2e
COMPLAINT = public(URGENT)  # what the public form may send of the suite's urgent complaint


def test_banner_names_the_api_the_emulator_and_a_curl_line(stack: Stack) -> None:
    text = "\n".join(stack.lines)
    assert stack.url in text
    assert "AWS emulator:  http://127.0.0.1:" in text
    assert f"curl -i -X POST {stack.url}/complaints" in text


def test_the_banners_late_complaint_is_posted_as_printed_and_is_overdue(stack: Stack) -> None:
    import json
    import os
    import shlex
    import subprocess
    import sys
    from datetime import UTC, datetime
    from pathlib import Path

    from tests.intake import RELAY_SECRET

    [line] = [line.strip() for line in stack.lines if "-m infra.relay_post" in line]
    command = shlex.split(line)
    assert command[:3] == [".venv/bin/python", "-m", "infra.relay_post"]
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "WEBHOOK_SECRETS": json.dumps({"relay": [RELAY_SECRET]})}  # as the stack was started
    done = subprocess.run([sys.executable, *command[1:]], cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    status, _, body = done.stdout.partition(" ")
    assert status == "201"
    created = json.loads(body)
    deadline = datetime.fromisoformat(created["clocks"]["first_response"]["deadline"])
    assert deadline < datetime.now(UTC)  # urgent, received 45 minutes ago: 30 minutes are up


def test_json_and_form_posts_get_201_and_read_back(stack: Stack) -> None:
    status, headers, body = stack.relay_json(URGENT)
    assert status == 201
    assert headers["Location"] == f"/complaints/{body['id']}"
    status, _, shown = stack.request("GET", headers["Location"], headers=STAFF)
    assert status == 200
    assert shown["clocks"]["first_response"]["target"] == "30m"

    form = urllib.parse.urlencode(COMPLAINT).encode()
    status, _, body = stack.request("POST", "/complaints", form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 201
    assert body["policy"]["name"] == "general"


def test_duplicate_delivery_over_http_returns_the_same_id(stack: Stack) -> None:
    first = stack.post_json(COMPLAINT, {"Idempotency-Key": "e2e-1"})
    second = stack.post_json(COMPLAINT, {"Idempotency-Key": "e2e-1"})
    assert (first[0], second[0]) == (201, 200)
    assert first[2]["id"] == second[2]["id"]


def test_bad_input_over_http_is_a_problem(stack: Stack) -> None:
    status, headers, problem = stack.request("POST", "/complaints", b"{oops", {"Content-Type": "application/json"})
    assert status == 400
    assert headers["Content-Type"] == "application/problem+json"
    assert problem["detail"]
    status, _, problem = stack.post_json({"customer_name": "x"})
    assert status == 422
    assert {"category", "subject", "customer_email"} <= {e["field"] for e in problem["errors"]}


def test_ctrl_c_stops_the_stack_cleanly_and_the_last_email_still_reaches_the_outbox(tmp_path: Any) -> None:
    own = start_stack(tmp_path)
    assert own.post_json(COMPLAINT)[0] == 201  # its acknowledgement goes out as it is taken in
    assert stop_stack(own) == 0  # at once: before the outbox's once-a-second pass
    assert own.lines[-1] == "stopped"
    assert len(list(own.outbox.glob("*.eml"))) == 1
    assert any(line.startswith("[ses] 我们已收到您的投诉：客服没有回电话 -> ") for line in own.lines)
