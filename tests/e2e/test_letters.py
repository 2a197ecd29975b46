"""End to end: each commitment letter's policy file loaded through SLA_POLICY_FILE by the local stack (one stack
after another, each rehearsing Friday 2026-11-20 17:00 with LOCAL_CLOCK_START), a complaint posted over HTTP showing
the clocks its letter promises with their deadlines; under complaint-handling.yaml a product-quality complaint is
reported once to the management representative and once to the general manager, and nothing is breached."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from tests.api.test_letters import LETTERS, PROMISED, RECEIVED
from tests.e2e.conftest import read_output, start_stack, stop_stack
from tests.e2e.test_breach_alerts import printed_notices

pytestmark = pytest.mark.e2e


def complaint(**fields: object) -> dict[str, object]:
    return {
        "customer_name": "孙七",
        "customer_phone": "13600136000",
        "category": "service",
        "subject": "投诉",
        "received_at": RECEIVED.isoformat(),
        **fields,
    }


@pytest.mark.parametrize("file", sorted(PROMISED))
def test_each_letter_loads_on_the_local_stack_and_a_complaint_shows_its_promised_clocks(
    tmp_path: Path, file: str
) -> None:
    env = {"SLA_POLICY_FILE": str(LETTERS / file), "LOCAL_CLOCK_START": RECEIVED.isoformat()}
    stack = start_stack(tmp_path, scan_interval="1", extra_env=env)
    try:
        fields, promised = PROMISED[file]
        status, _, body = stack.relay_json(complaint(**fields))
        assert status == 201, body
        assert {name: clock["deadline"] for name, clock in body["clocks"].items()} == promised
        assert body["policy"]["name"].startswith(file.removesuffix(".yaml"))
        if file == "complaint-handling.yaml":
            status, _, quality = stack.relay_json(complaint(category="product_quality"))
            assert status == 201
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                reports = [n for n in printed_notices(read_output(stack)) if n["complaint_id"] == quality["id"]]
                if len(reports) >= 2:
                    break
                time.sleep(0.3)
            time.sleep(2.5)  # a few more scans: nothing more may come
            reports = [n for n in printed_notices(read_output(stack)) if n["complaint_id"] == quality["id"]]
            assert Counter((n["type"], n["level"], n["audience"]) for n in reports) == {
                ("event", "report", "management_rep"): 1,
                ("event", "report", "general_manager"): 1,
            }
    finally:
        assert stop_stack(stack) == 0
