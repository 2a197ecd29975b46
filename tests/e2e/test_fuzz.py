"""Fuzzing the running local stack with schemathesis, driven by the API's own GET /openapi.json.

Every generated request (positive and negative, all phases: coverage, fuzzing, stateful) must get an answer that is
not a server error and whose status, content type and body the document declares. `make test` runs a small,
seeded budget (FUZZ_EXAMPLES unset: 10 examples per operation, seed 20261122); `make fuzz` runs this same test
with FUZZ_EXAMPLES=100, a random seed (FUZZ_SEED to replay one) and at least FUZZ_MIN_REQUESTS=1000 requests.
Schemathesis' summary is printed either way; the run fails on any failure or error it reports.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.conftest import E2E_TOKEN, ROOT, STAFF, Stack, read_output

pytestmark = pytest.mark.e2e

CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance")
SMOKE_EXAMPLES = 10
SMOKE_SEED = "20261122"
SMOKE_MIN_REQUESTS = 300
JSON = {"Content-Type": "application/json"}
# The seeded complaints' customer: none of it may appear in what the stack prints (notices, emails, logs).
CUSTOMER = {"customer_name": "赵六", "customer_email": "zhao.liu@example.com", "customer_phone": "+86 139 1234 5678"}
# chalice local's http.server answers TRACE (and other methods it has no handler for) with its own 501 HTML page;
# API Gateway never passes such a request to the app. The coverage phase's other unexpected methods are sent.
UNEXPECTED_METHODS = ("get", "put", "post", "delete", "options", "patch")


def _budget() -> tuple[int, str | None, int]:
    """Examples per operation, the seed (None: schemathesis picks and prints one) and the requests required."""
    examples = int(os.environ.get("FUZZ_EXAMPLES", SMOKE_EXAMPLES))
    seed = os.environ.get("FUZZ_SEED") or (None if "FUZZ_EXAMPLES" in os.environ else SMOKE_SEED)
    minimum = int(os.environ.get("FUZZ_MIN_REQUESTS", SMOKE_MIN_REQUESTS))
    return examples, seed, minimum


def _event(stack: Stack, complaint_id: str, event: dict[str, Any]) -> None:
    status, _, body = stack.request(
        "POST", f"/complaints/{complaint_id}/events", json.dumps(event).encode(), {**JSON, **STAFF}
    )
    assert status == 200, body


def _seed(stack: Stack) -> list[str]:
    """Complaints in every state, so that the staff routes are fuzzed against real ones, not only 404s."""
    ids = []
    for priority, category in (("urgent", "service"), ("important", "product_quality"), ("general", "staff")):
        payload = {**CUSTOMER, "category": category, "priority": priority, "subject": f"fuzz seed {priority}"}
        status, _, body = stack.relay_json(payload)
        assert status == 201, body
        ids.append(body["id"])
    by = {"by": "li.lei"}
    _event(stack, ids[1], {"type": "resolve", **by})
    _event(stack, ids[2], {"type": "resolve", **by})
    _event(stack, ids[2], {"type": "confirm", **by})
    paused = {**CUSTOMER, "category": "service", "subject": "fuzz seed paused", "complexity": "complex"}
    status, _, body = stack.relay_json(paused)
    assert status == 201, body
    ids.append(body["id"])
    _event(stack, ids[3], {"type": "pause", "reason": "waiting_on_customer", **by})
    return ids


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(value) for value in values) + "]"


def _config(ids: list[str], path: Path) -> Path:
    """A schemathesis.toml: real ids, source names and plausible values mixed into what it generates."""
    now = datetime.now(UTC)
    sources_file = ROOT / "chalicelib" / "sources" / "default.yaml"
    sources = ["web"]
    if sources_file.exists():
        sources = sorted(yaml.safe_load(sources_file.read_text(encoding="utf-8")).get("sources", {})) or sources
    dictionaries = {
        "complaints": ids,
        "sources": sources,
        "emails": ["zhao.liu@example.com", "fuzz@example.org"],
        "received": [(now - timedelta(hours=1)).isoformat(), now.isoformat()],
        "moments": [now.isoformat(), (now + timedelta(seconds=5)).isoformat()],
        "months": [f"{now:%Y-%m}", f"{now - timedelta(days=31):%Y-%m}"],
    }
    parameters = {
        "path.complaint_id": ("complaints", 0.8),
        "path.source": ("sources", 0.6),
        "body.customer_email": ("emails", 0.6),
        "body.received_at": ("received", 0.5),
        "body.at": ("moments", 0.5),
        "query.month": ("months", 0.6),
    }
    lines = []
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", f"values = {_toml_list(values)}", ""]
    lines.append("[parameters]")
    for key, (dictionary, probability) in parameters.items():
        lines.append(f'"{key}" = {{ dictionary = "{dictionary}", probability = {probability} }}')
    lines += ["", "[phases.coverage]", f"unexpected-methods = {_toml_list(list(UNEXPECTED_METHODS))}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _requests_sent(reports: Path) -> int | None:
    """How many requests the run sent, from schemathesis' NDJSON event stream (None if it cannot be read)."""
    sent = 0
    try:
        for report in reports.glob("*.ndjson"):
            for line in report.read_text(encoding="utf-8").splitlines():
                event = json.loads(line)
                finished = event.get("ScenarioFinished")
                if isinstance(finished, dict):
                    sent += len(finished.get("recorder", {}).get("interactions", {}))
    except (OSError, ValueError, AttributeError):
        return None
    return sent


def _run(command: list[str], stack: Stack, workdir: Path, timeout: float) -> tuple[str, int, float]:
    """Run schemathesis to the end while draining what the stack prints: a full pipe would block its server."""
    log = workdir / "schemathesis.out"
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "120"},
        )
        try:
            while process.poll() is None:
                read_output(stack)
                if time.monotonic() - started > timeout:
                    process.kill()
                    process.wait()
                    pytest.fail(f"schemathesis ran over {timeout} s:\n{log.read_text(encoding='utf-8')[-4000:]}")
                time.sleep(0.2)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    read_output(stack)
    return log.read_text(encoding="utf-8"), process.returncode, time.monotonic() - started


def test_schemathesis_finds_no_failure(
    stack: Stack, tmp_path: Path, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    examples, seed, minimum = _budget()
    ids = _seed(stack)
    banner_lines = len(read_output(stack))
    config = _config(ids, tmp_path / "schemathesis.toml")
    reports = tmp_path / "reports"
    command = [str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(config), "run"]
    command += [f"{stack.url}/openapi.json", "--header", f"Authorization: Bearer {E2E_TOKEN}"]
    # One worker: with several, schemathesis 4.32's coverage phase raised "AST constructor recursion depth
    # mismatch" runtime errors (its generators are not thread-safe on Python 3.11).
    command += ["--checks", ",".join(CHECKS), "--max-examples", str(examples), "--workers", "1"]
    command += ["--generation-database", "none", "--request-timeout", "15", "--no-color"]
    command += ["--report", "ndjson", "--report-dir", str(reports)]
    command += ["--seed", seed] if seed is not None else []
    output, returncode, elapsed = _run(
        command, stack, tmp_path, int(os.environ.get("FUZZ_TIMEOUT", 600 + 30 * examples))
    )
    generated = re.search(r"Test cases:\s*\n\s*(\d+) generated", output)
    sent = _requests_sent(reports)
    heading = next((output.find(f" {name} ") for name in ("WARNINGS", "SUMMARY") if f" {name} " in output), -1)
    summary = output[output.rfind("\n", 0, heading) + 1 :] if heading >= 0 else output[-4000:]
    shown = f"schemathesis ({examples} examples per operation, seed {seed or 'random'}):\n{summary.rstrip()}\n"
    shown += f"requests sent: {sent}; schemathesis wall time: {elapsed:.1f} s"
    # Printed past the capture; under xdist (`make test` runs -n 2) workers' output is not shown, so it is also a
    # report section (`pytest -rP` shows it) and a property (in a JUnit report).
    with capsys.disabled():
        print(f"\n\n{shown}\n")
    request.node.add_report_section("call", "schemathesis", shown)
    request.node.user_properties.append(("schemathesis_requests", sent))
    assert returncode == 0, f"schemathesis failed (exit {returncode}):\n{output}"
    assert generated is not None, output
    assert int(generated.group(1)) >= minimum, f"only {generated.group(1)} test cases generated; {minimum} required"
    printed = read_output(stack)[banner_lines:]
    tracebacks = [i for i, line in enumerate(printed) if "Traceback (most recent call last)" in line]
    assert not tracebacks, "the stack printed a traceback:\n" + "\n".join(printed[tracebacks[0] : tracebacks[0] + 40])
    stack_text = "\n".join(printed)
    for detail in (CUSTOMER["customer_name"], CUSTOMER["customer_email"], "13912345678", "139 1234 5678"):
        assert detail not in stack_text, f"the stack printed the customer's {detail!r}"
