"""Counting, not guessing: a botocore event hook on a DynamoDB client that counts its requests by operation and
the items they read (Query and Scan items examined, GetItem hits, items BatchGetItem returned). Used by the tests
and by `make bench`."""

from __future__ import annotations

from collections import Counter
from typing import Any


class DynamoRequests:
    """Counts a DynamoDB client's requests by operation, and the items they read."""

    def __init__(self, client: Any) -> None:
        self.calls: Counter[str] = Counter()
        self.items_read = 0
        client.meta.events.register("before-call.dynamodb", self._before_call)
        client.meta.events.register("after-call.dynamodb", self._after_call)

    def _before_call(self, model: Any, **_: Any) -> None:
        self.calls[str(model.name)] += 1

    def _after_call(self, parsed: Any, model: Any, **_: Any) -> None:
        if not isinstance(parsed, dict):
            return
        if model.name in ("Query", "Scan"):
            self.items_read += int(parsed.get("ScannedCount", parsed.get("Count", 0)) or 0)
        elif model.name == "GetItem" and "Item" in parsed:
            self.items_read += 1
        elif model.name == "BatchGetItem":
            self.items_read += sum(len(items) for items in parsed.get("Responses", {}).values())

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def reset(self) -> None:
        self.calls.clear()
        self.items_read = 0


class ServiceRequests:
    """Counts a client's requests by operation, for any service (the timers' SQS client in `make bench`)."""

    def __init__(self, client: Any) -> None:
        self.calls: Counter[str] = Counter()
        self.empty_receives = 0
        self.messages_received = 0
        service = client.meta.service_model.endpoint_prefix
        client.meta.events.register(f"before-call.{service}", self._before_call)
        client.meta.events.register(f"after-call.{service}.ReceiveMessage", self._after_receive)

    def _before_call(self, model: Any, **_: Any) -> None:
        self.calls[str(model.name)] += 1

    def _after_receive(self, parsed: Any, **_: Any) -> None:
        if isinstance(parsed, dict):
            received = len(parsed.get("Messages", []))
            self.messages_received += received
            self.empty_receives += 0 if received else 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())
