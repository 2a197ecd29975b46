"""End to end: the local stack keeps its data across a Ctrl-C and across a kill -9 (LOCAL_STATE_DIR)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import STAFF, Stack, start_stack, stop_stack
from tests.intake import URGENT

pytestmark = pytest.mark.e2e


def post(stack: Stack) -> str:
    status, _, body = stack.relay_json(URGENT)
    assert status == 201
    complaint_id: str = body["id"]
    return complaint_id


def test_a_complaint_posted_before_ctrl_c_is_there_after_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "kept"
    env = {"LOCAL_STATE_DIR": str(state), "LOCAL_STATE_INTERVAL": "3600"}  # only the save on stop can keep it
    first = start_stack(tmp_path / "first", extra_env=env)
    assert f"  data:          {state}  (0 items restored;" in "\n".join(first.lines)
    complaint_id = post(first)
    assert stop_stack(first) == 0

    second = start_stack(tmp_path / "second", extra_env=env)
    try:
        banner = "\n".join(second.lines)
        assert f"  data:          {state}  (" in banner
        assert "(0 items restored" not in banner
        status, _, shown = second.request("GET", f"/complaints/{complaint_id}", headers=STAFF)
        assert status == 200
        assert (shown["subject"], shown["customer"]["name"]) == (URGENT["subject"], URGENT["customer_name"])
        status, _, events = second.request("GET", f"/complaints/{complaint_id}/events", headers=STAFF)
        assert status == 200
        assert events["items"][0]["type"] == "received"
    finally:
        stop_stack(second)


def test_a_killed_stack_keeps_what_was_written_seconds_before_the_kill(tmp_path: Path) -> None:
    state = tmp_path / "kept"
    env = {"LOCAL_STATE_DIR": str(state), "LOCAL_STATE_INTERVAL": "1"}
    first = start_stack(tmp_path / "first", extra_env=env)
    complaint_id = post(first)
    time.sleep(3)  # three snapshot intervals
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=10)

    second = start_stack(tmp_path / "second", extra_env=env)
    try:
        status, _, shown = second.request("GET", f"/complaints/{complaint_id}", headers=STAFF)
        assert status == 200
        assert shown["subject"] == URGENT["subject"]
    finally:
        stop_stack(second)
