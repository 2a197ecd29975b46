"""DynamoDB capacity by the sizing rules: a botocore hook on a client that, for every request it makes, sizes the
items read and written and adds up the request units DynamoDB on-demand charges, the table's and each global
secondary index's apart. moto reports no real consumed capacity, so the units are computed here from DynamoDB's
documented rules; the items before and after each write are read through a second client that is not counted.

Rules (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ : CapacityUnitCalculations.html,
transaction-apis.html#transaction-capacity-handling, GSI.html#GSI.ThroughputConsiderations):
- an item's size is the sum of its attribute names (UTF-8) and values: a string its UTF-8 bytes, a number 1 byte
  per two significant digits plus 1, binary its bytes, a boolean or null 1 byte, a list or map 3 bytes plus its
  elements (each with 1 byte of overhead, a map's with its names);
- a write is 1 unit per KB (rounded up) of the larger of the item before and after it (a failed conditional write
  is charged too); in TransactWriteItems every action, ConditionCheck included, is 2 units per KB;
- an index write is 1 unit per KB of the index entry (its projected attributes plus 100 bytes): a new entry, a
  removed one, a changed projected attribute 1 write, a changed index key 2 (delete and put);
- a read is 1 unit per 4 KB strongly consistent, half eventually consistent; a Query adds up the sizes of the
  items it reads and rounds per page; BatchGetItem rounds per item; TransactGetItems is 2 units per 4 KB.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from time import perf_counter
from typing import Any

KB = 1024
READ_BLOCK = 4 * KB
INDEX_OVERHEAD = 100


def value_size(value: Mapping[str, Any]) -> int:
    """The size of one attribute value in DynamoDB's wire form ({"S": ...}, {"N": ...}, ...)."""
    [(kind, content)] = value.items()
    if kind == "S":
        return len(str(content).encode("utf-8"))
    if kind == "N":
        digits = str(Decimal(str(content)).normalize()).lstrip("-").replace(".", "").lstrip("0") or "0"
        if "E" in digits.upper():
            digits = digits.upper().split("E")[0]
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(content) if isinstance(content, bytes | bytearray) else len(str(content).encode("utf-8")) * 3 // 4
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(value_size(element) + 1 for element in content)
    if kind == "M":
        return 3 + sum(len(name.encode("utf-8")) + value_size(element) + 1 for name, element in content.items())
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: element}) for element in content)
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: Mapping[str, Mapping[str, Any]] | None) -> int:
    """An item's size in bytes (0 for no item)."""
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def write_units(size: int, transactional: bool = False) -> int:
    return max(1, math.ceil(size / KB)) * (2 if transactional else 1)


def read_units(size: int, consistent: bool, transactional: bool = False) -> float:
    blocks = max(1, math.ceil(size / READ_BLOCK))
    if transactional:
        return 2.0 * blocks
    return float(blocks) if consistent else blocks / 2


@dataclass(frozen=True)
class Index:
    """A global secondary index: its key attributes and what it projects (None: every attribute)."""

    name: str
    keys: tuple[str, ...]
    projected: frozenset[str] | None

    def entry(self, item: Mapping[str, Any] | None, table_keys: tuple[str, ...]) -> dict[str, Any] | None:
        """The index entry of an item, or None when the item is not in the index (a key attribute missing)."""
        if not item or any(key not in item for key in self.keys):
            return None
        if self.projected is None:
            return dict(item)
        wanted = self.projected | set(self.keys) | set(table_keys)
        return {name: value for name, value in item.items() if name in wanted}

    def writes(
        self, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, table_keys: tuple[str, ...]
    ) -> int:
        """Index write units for one table write from `before` to `after`."""
        old, new = self.entry(before, table_keys), self.entry(after, table_keys)
        if old is None and new is None:
            return 0
        if old is None or new is None:
            return write_units(item_size(new or old) + INDEX_OVERHEAD)
        if any(old[key] != new[key] for key in self.keys):
            return write_units(item_size(old) + INDEX_OVERHEAD) + write_units(item_size(new) + INDEX_OVERHEAD)
        if old == new:
            return 0
        return write_units(max(item_size(old), item_size(new)) + INDEX_OVERHEAD)


class CapacityMeter:
    """Counts the read and write units of the requests a DynamoDB client makes on one table."""

    def __init__(self, client: Any, reader: Any, table_name: str) -> None:
        self._reader = reader
        self._table = table_name
        described = reader.describe_table(TableName=table_name)["Table"]
        self.table_keys = tuple(k["AttributeName"] for k in described["KeySchema"])
        self.indexes = [
            Index(
                index["IndexName"],
                tuple(k["AttributeName"] for k in index["KeySchema"]),
                None
                if index["Projection"]["ProjectionType"] == "ALL"
                else frozenset(index["Projection"].get("NonKeyAttributes", [])),
            )
            for index in described.get("GlobalSecondaryIndexes", [])
        ]
        self.reads: dict[str, float] = defaultdict(float)  # operation -> read units
        self.writes: Counter[str] = Counter()  # operation -> table write units
        self.index_writes: Counter[str] = Counter()  # index -> write units
        self.requests: Counter[str] = Counter()
        self.seconds = 0.0  # time spent here, sizing items (a caller timing requests takes it off)
        client.meta.events.register("before-parameter-build.dynamodb", self._before)
        client.meta.events.register("after-call.dynamodb", self._after)

    @property
    def read_units(self) -> float:
        return float(sum(self.reads.values()))

    @property
    def write_units(self) -> int:
        return sum(self.writes.values()) + sum(self.index_writes.values())

    def reset(self) -> None:
        for counter in (self.reads, self.writes, self.index_writes, self.requests):
            counter.clear()
        self.seconds = 0.0

    # ----- the hooks -----

    def _before(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        started = perf_counter()
        operation = str(model.name)
        self.requests[operation] += 1
        keys = self._written_keys(operation, params)
        context["capacity"] = (operation, dict(params), [(key, self._get(key)) for key in keys])
        self.seconds += perf_counter() - started

    def _after(self, parsed: Any, model: Any, context: dict[str, Any], **_: Any) -> None:
        started = perf_counter()
        try:
            self._count(parsed, context)
        finally:
            self.seconds += perf_counter() - started

    def _count(self, parsed: Any, context: dict[str, Any]) -> None:
        if "capacity" not in context or not isinstance(parsed, dict):
            return
        operation, params, before = context.pop("capacity")
        failed = "Error" in parsed
        if before:
            transactional = operation == "TransactWriteItems"
            for key, old in before:
                new = self._get(key)
                self.writes[operation] += write_units(max(item_size(old), item_size(new)), transactional)
                if not failed:
                    for index in self.indexes:
                        self.index_writes[index.name] += index.writes(old, new, self.table_keys)
            return
        if failed:
            return
        self._count_reads(operation, params, parsed)

    # ----- reads -----

    def _count_reads(self, operation: str, params: Mapping[str, Any], parsed: Mapping[str, Any]) -> None:
        consistent = bool(params.get("ConsistentRead"))
        if operation == "GetItem":
            item = self._get(params["Key"]) if "Item" in parsed else None
            self.reads[operation] += read_units(item_size(item), consistent)
        elif operation in ("Query", "Scan"):
            size = sum(item_size(self._whole(item)) for item in parsed.get("Items", []))
            if "IndexName" in params and operation == "Query":
                size += INDEX_OVERHEAD * len(parsed.get("Items", []))
            self.reads[operation] += read_units(size, consistent)
        elif operation == "BatchGetItem":
            for table, request in params.get("RequestItems", {}).items():
                for item in parsed.get("Responses", {}).get(table, []):
                    self.reads[operation] += read_units(
                        item_size(self._whole(item)), bool(request.get("ConsistentRead"))
                    )
        elif operation == "TransactGetItems":
            for entry in parsed.get("Responses", []):
                self.reads[operation] += read_units(item_size(entry.get("Item")), True, transactional=True)

    def _whole(self, item: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The whole stored item (a read is charged for all of it, whatever a projection returned)."""
        if all(key in item for key in self.table_keys):
            return self._get({key: item[key] for key in self.table_keys}) or item
        return item

    # ----- writes -----

    def _written_keys(self, operation: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        if operation == "PutItem":
            return [self._key_of(params["Item"])]
        if operation in ("UpdateItem", "DeleteItem"):
            return [dict(params["Key"])]
        if operation == "BatchWriteItem":
            found = []
            for requests in params.get("RequestItems", {}).values():
                for request in requests:
                    if "PutRequest" in request:
                        found.append(self._key_of(request["PutRequest"]["Item"]))
                    else:
                        found.append(dict(request["DeleteRequest"]["Key"]))
            return found
        if operation == "TransactWriteItems":
            found = []
            for action in params.get("TransactItems", []):
                [(kind, body)] = action.items()
                found.append(self._key_of(body["Item"]) if kind == "Put" else dict(body["Key"]))
            return found
        return []

    def _key_of(self, item: Mapping[str, Any]) -> dict[str, Any]:
        return {key: item[key] for key in self.table_keys}

    def _get(self, key: Mapping[str, Any]) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self._reader.get_item(
            TableName=self._table, Key=dict(key), ConsistentRead=True
        ).get("Item")
        return found
