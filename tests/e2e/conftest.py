"""The local stack as a subprocess on free ports, for tests that talk HTTP to it."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.intake import RELAY_SECRET, relay_headers

ROOT = Path(__file__).resolve().parents[2]
E2E_TOKEN = "e2e-staff-token"
STAFF = {"Authorization": f"Bearer {E2E_TOKEN}"}  # li.lei's


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Stack:
    """A running local stack: its URL, its process and everything it printed so far."""

    url: str
    process: subprocess.Popen[str]
    outbox: Path
    lines: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    def said(self, pattern: str) -> str:
        """The first group of `pattern` in what the stack printed (its banner: the emulator, the table, ...)."""
        for line in self.lines:
            found = re.search(pattern, line)
            if found:
                return found.group(1)
        raise AssertionError(f"the stack never printed {pattern!r}:\n" + "\n".join(self.lines))

    def table(self) -> tuple[Any, str]:
        """A DynamoDB client of the stack's AWS emulator and the table's name: the tests' own view of the data."""
        import boto3

        endpoint = self.said(r"AWS emulator:\s+(http://127\.0\.0\.1:\d+)")
        client = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        return client, self.said(r"table:\s+(\S+)")

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=15) as response:
                raw = response.read()
                return response.status, dict(response.headers), json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, dict(error.headers), json.loads(raw) if raw else None

    def post_json(
        self, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        """POST /complaints: the public form (it may not set a priority or a time of receipt)."""
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return self.request("POST", "/complaints", body, {"Content-Type": "application/json", **(headers or {})})

    def relay_json(
        self, payload: dict[str, Any], message_id: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        """POST /webhooks/relay, signed the Standard Webhooks way: a trusted system, which may set everything."""
        body = json.dumps(payload, ensure_ascii=False)
        signed = relay_headers(body, message_id)
        return self.request("POST", "/webhooks/relay", body.encode("utf-8"), {**signed, **(headers or {})})


def start_stack(tmp: Path, scan_interval: str = "3600", extra_env: dict[str, str] | None = None) -> Stack:
    port, emulator = free_port(), free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "AWS_EMULATOR_PORT": str(emulator),
        "SCAN_INTERVAL": scan_interval,
        "STAFF_TOKENS": f"li.lei={E2E_TOKEN}",
        "WEBHOOK_SECRETS": json.dumps({"relay": [RELAY_SECRET]}),
        "OUTBOX_DIR": str(tmp / "outbox"),
        "LOCAL_STATE_DIR": str(tmp / "state"),
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local_stack"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    stack = Stack(f"http://127.0.0.1:{port}", process, tmp / "outbox")
    deadline = time.monotonic() + 60
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        stack.lines.append(line.rstrip("\n"))
        if line.startswith("Ctrl-C stops everything"):
            stack.reader = threading.Thread(target=_drain, args=(stack,), daemon=True)
            stack.reader.start()
            return stack
    process.kill()
    raise AssertionError("the local stack did not start:\n" + "\n".join(stack.lines))


def _drain(stack: Stack) -> None:
    """Read the stack's output as it comes, so a full pipe never blocks the server."""
    assert stack.process.stdout is not None
    for line in stack.process.stdout:
        stack.lines.append(line.rstrip("\n"))


def read_output(stack: Stack) -> list[str]:
    """Everything the stack printed so far."""
    return stack.lines


def stop_stack(stack: Stack) -> int:
    stack.process.send_signal(signal.SIGINT)
    try:
        code = stack.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        stack.process.kill()
        raise
    if stack.reader is not None:
        stack.reader.join(timeout=10)
    return code


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("stack"))
    yield running
    if running.process.poll() is None:
        stop_stack(running)
