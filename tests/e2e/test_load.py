"""Load on the local stack: 2,000 webhooks from 8 concurrent keep-alive clients over HTTP, no errors, and
every accepted complaint stored (counted in the AWS emulator, not through the API). `pytest -s` shows the
throughput."""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import Stack, read_output, start_stack, stop_stack
from tests.intake import relay_headers

pytestmark = pytest.mark.e2e
WEBHOOKS = 2_000
CLIENTS = 8


def webhook(run: str, number: int) -> tuple[bytes, dict[str, str]]:
    payload = {
        "customer_name": f"负载客户{number}",
        "customer_email": f"load-{number}@example.com",
        "category": ("service", "staff", "product_quality")[number % 3],
        "priority": ("urgent", "important", "general")[number % 3],
        "subject": f"load {run} #{number}",
        "description": "等了很久没有人回复。",
    }
    body = json.dumps(payload, ensure_ascii=False)
    return body.encode("utf-8"), relay_headers(body, f"msg_{run}_{number}")  # a signed relay: it sets priorities


class LoadClient(threading.Thread):
    """One sender on one keep-alive connection, posting its share of the webhooks in turn."""

    def __init__(self, url: str, run: str, numbers: range, start: threading.Barrier) -> None:
        super().__init__(daemon=True)
        self.address = urlsplit(url)
        self.run_id = run
        self.numbers = numbers
        self.start_line = start
        self.statuses: Counter[int] = Counter()
        self.errors: list[str] = []
        self.ids: list[str] = []
        self.reconnects = 0

    def connect(self) -> http.client.HTTPConnection:
        assert self.address.hostname is not None
        return http.client.HTTPConnection(self.address.hostname, self.address.port, timeout=30)

    def run(self) -> None:
        connection = self.connect()
        self.start_line.wait()
        for number in self.numbers:
            body, headers = webhook(self.run_id, number)
            try:
                connection.request("POST", "/webhooks/relay", body=body, headers=headers)
                response = connection.getresponse()
                answer: Any = json.loads(response.read())
            except (OSError, http.client.HTTPException, ValueError) as error:
                self.errors.append(f"#{number}: {type(error).__name__}: {error}")
                connection.close()
                connection = self.connect()
                self.reconnects += 1
                continue
            self.statuses[response.status] += 1
            if response.status != 201:
                self.errors.append(f"#{number}: {response.status} {answer}")
            elif answer.get("subject") != f"load {self.run_id} #{number}":
                self.errors.append(f"#{number}: answered with another complaint's subject {answer.get('subject')!r}")
            else:
                self.ids.append(answer["id"])
        connection.close()


def stored_complaints(stack: Stack) -> int:
    """Complaint items in the emulator's table (a Scan: fine in a test, never in the app)."""
    client, table = stack.table()
    count = 0
    pages = client.get_paginator("scan").paginate(
        TableName=table,
        Select="COUNT",
        FilterExpression="#kind = :complaint",
        ExpressionAttributeNames={"#kind": "kind"},
        ExpressionAttributeValues={":complaint": {"S": "complaint"}},
        ConsistentRead=True,
    )
    for page in pages:
        count += page["Count"]
    return count


def test_two_thousand_webhooks_from_eight_clients_all_stored(tmp_path: Path) -> None:
    stack = start_stack(tmp_path)
    draining = threading.Event()

    def drain() -> None:  # the stack logs every request; keep its pipe from filling up and stalling it
        while not draining.wait(0.2):
            read_output(stack)

    drainer = threading.Thread(target=drain, daemon=True)
    drainer.start()
    try:
        run = uuid.uuid4().hex[:8]
        share = WEBHOOKS // CLIENTS
        start = threading.Barrier(CLIENTS + 1)
        clients = [
            LoadClient(stack.url, run, range(index * share, (index + 1) * share), start) for index in range(CLIENTS)
        ]
        for client in clients:
            client.start()
        start.wait()
        began = time.perf_counter()
        for client in clients:
            client.join(timeout=300)
        elapsed = time.perf_counter() - began
        assert not any(client.is_alive() for client in clients), "a client is still sending after 5 minutes"

        statuses = sum((client.statuses for client in clients), Counter())
        errors = [error for client in clients for error in client.errors]
        accepted = statuses[201]
        ids = [complaint_id for client in clients for complaint_id in client.ids]
        print(
            f"\nload: {WEBHOOKS} webhooks from {CLIENTS} keep-alive clients in {elapsed:.1f} s = "
            f"{WEBHOOKS / elapsed:.1f} requests/s; statuses {dict(statuses)}; "
            f"reconnects {sum(client.reconnects for client in clients)}"
        )
        assert errors == [], f"{len(errors)} errors, first: {errors[:5]}"
        assert accepted == WEBHOOKS
        assert len(set(ids)) == accepted
        assert stored_complaints(stack) == accepted
    finally:
        draining.set()
        drainer.join(timeout=5)
        if stack.process.poll() is None:
            assert stop_stack(stack) == 0
