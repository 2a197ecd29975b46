"""DynamoDB plumbing for the adapters: plain values <-> items, one request retried on throttling and 5xx, a
transaction whose conditional failures are told apart by label, and how a complaint, an audit event and the report
counters they feed are laid out as items. Storage terms live here and in `keys`, never above the adapters."""

from __future__ import annotations

import json
import time
import uuid
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters import keys
from chalicelib.adapters.records import complaint_from_record, complaint_record
from chalicelib.budget import room_for_attempt
from chalicelib.domain.errors import Unavailable
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.report import contributions, customer_row, month_of, row_keys
from chalicelib.ports import UnreadableComplaint

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
RETRYABLE = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionConflict",
    "TransactionConflictException",
    "TransactionInProgressException",
}
NEW = "attribute_not_exists(pk)"


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """Plain JSON-like values -> a DynamoDB item (None values are left out)."""
    return {name: _serializer.serialize(value) for name, value in values.items() if value is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item -> plain values (numbers as int where integral)."""
    return {name: _plain(_deserializer.deserialize(value)) for name, value in item.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "as_integer_ratio") and not isinstance(value, (int, float)):
        return int(value) if value == int(value) else float(value)
    return value


def error_code(exc: ClientError) -> str:
    """The AWS error code of a ClientError."""
    return str(exc.response.get("Error", {}).get("Code", ""))


class _TryAgain(Exception):
    """A cancelled transaction DynamoDB says may succeed if sent again (a conflict, throttling)."""


def call_with_retries(
    operation: Any, attempts: int, busy: str = "The complaint store is busy. Please retry.", **kwargs: Any
) -> Any:
    """One request, retried on throttling, 5xx and lost connections, while the time budget allows another attempt
    (`chalicelib.budget`); still failing -> `Unavailable(busy)`."""
    for attempt in range(attempts):
        if not room_for_attempt():
            break
        try:
            return operation(**kwargs)
        except ClientError as exc:
            if error_code(exc) not in RETRYABLE:
                raise
        except (BotoCoreError, _TryAgain):
            pass
        if attempt + 1 < attempts:
            time.sleep(0.05 * 2**attempt)
    raise Unavailable(busy, retry_after=2)


def query_pages(client: DynamoDBClient, attempts: int, **query: Any) -> Iterator[list[dict[str, Any]]]:
    """The items of a Query (wire form), a page at a time: each request retried (`call_with_retries`), the next
    page asked from where the last one stopped, until DynamoDB says there is none."""
    while True:
        page = call_with_retries(client.query, attempts, **query)
        yield page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        query = {**query, "ExclusiveStartKey": page["LastEvaluatedKey"]}


def partition(
    client: DynamoDBClient, table: str, pk: str, attempts: int, prefix: str | None = None
) -> Iterator[dict[str, Any]]:
    """Every item (plain values) under partition key `pk`, read consistently in sort key order; with `prefix`, only
    those whose sort key begins with it."""
    condition, values = "pk = :pk", {":pk": pk}
    if prefix is not None:
        condition, values = f"{condition} AND begins_with(sk, :prefix)", values | {":prefix": prefix}
    query = {
        "TableName": table,
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": to_item(values),
        "ConsistentRead": True,
    }
    for items in query_pages(client, attempts, **query):
        yield from (from_item(item) for item in items)


def written_if_condition_holds(operation: Any, attempts: int, **kwargs: Any) -> bool:
    """A conditional write (`call_with_retries`); False when its condition did not hold, True when it was made."""
    try:
        call_with_retries(operation, attempts, **kwargs)
    except ClientError as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


BATCH_GET_LIMIT = 100


def batch_get(
    client: DynamoDBClient, table: str, wanted: Sequence[Mapping[str, Any]], attempts: int, consistent: bool = True
) -> list[dict[str, Any]]:
    """The items with these keys (wire form, as an index's Query returns them), in the order asked, those no
    longer stored left out: BatchGetItem, 100 keys a request, unprocessed keys asked again."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for start in range(0, len(wanted), BATCH_GET_LIMIT):
        chunk = [
            {keys.TABLE_PK: key[keys.TABLE_PK], keys.TABLE_SK: key[keys.TABLE_SK]}
            for key in wanted[start : start + BATCH_GET_LIMIT]
        ]
        request: dict[str, Any] = {table: {"Keys": chunk, "ConsistentRead": consistent}}
        for _ in range(attempts + 2):
            response = call_with_retries(client.batch_get_item, attempts, RequestItems=request)
            for item in response.get("Responses", {}).get(table, []):
                found[(item[keys.TABLE_PK]["S"], item[keys.TABLE_SK]["S"])] = item
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
        else:
            raise Unavailable("The complaint store is busy. Please retry.", retry_after=2)
    ordered = ((key[keys.TABLE_PK]["S"], key[keys.TABLE_SK]["S"]) for key in wanted)
    return [found[key] for key in ordered if key in found]


def set_attributes(changed: Mapping[str, Any]) -> dict[str, Any]:
    """The UpdateItem arguments that set each of `changed`'s attributes (names and values as placeholders)."""
    names = {f"#a{i}": name for i, name in enumerate(changed)}
    return {
        "UpdateExpression": "SET " + ", ".join(f"#a{i} = :v{i}" for i in range(len(names))),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": to_item({f":v{i}": value for i, value in enumerate(changed.values())}),
    }


def is_condition_failure(exc: ClientError) -> bool:
    """A conditional write that did not hold, or a transaction cancelled because one of its conditions did not (a
    transaction cancelled only by a conflict or throttling is not: the write may well succeed when sent again)."""
    code = error_code(exc)
    if code == "TransactionCanceledException":
        reasons = exc.response.get("CancellationReasons", [])
        return any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons)
    return code == "ConditionalCheckFailedException"


# ----- transactions -----


@dataclass
class Transaction:
    """The items of one TransactWriteItems on one table; each may carry a label, so that a cancellation is read
    as "which labelled conditions failed", never by position."""

    table: str
    items: list[dict[str, Any]] = field(default_factory=list)
    labels: list[object] = field(default_factory=list)

    def put(
        self,
        values: Mapping[str, Any],
        condition: str | None = None,
        label: object = None,
        names: Mapping[str, str] | None = None,
        **values_of: Any,
    ) -> None:
        """Put an item; `condition` with `names` for its `#name`s and `values_of` for its `:name`s."""
        operation: dict[str, Any] = {"TableName": self.table, "Item": to_item(values)}
        if names:
            operation["ExpressionAttributeNames"] = dict(names)
        self._add("Put", operation, condition, values_of, label)

    def update(
        self,
        key: Mapping[str, str],
        expression: str,
        names: Mapping[str, str],
        label: object = None,
        condition: str | None = None,
        **values_of: Any,
    ) -> None:
        """Update an item with `expression` (`names` for its `#name`s, `values_of` for its `:name`s), if
        `condition` holds."""
        operation: dict[str, Any] = {"TableName": self.table, "Key": to_item(key), "UpdateExpression": expression}
        if names:
            operation["ExpressionAttributeNames"] = dict(names)
        self._add("Update", operation, condition, values_of, label)

    def delete(self, key: Mapping[str, str], label: object = None) -> None:
        self._add("Delete", {"TableName": self.table, "Key": to_item(key)}, None, {}, label)

    def _add(
        self, kind: str, operation: dict[str, Any], condition: str | None, values: Mapping[str, Any], label: object
    ) -> None:
        if condition is not None:
            operation["ConditionExpression"] = condition
        if values:
            operation["ExpressionAttributeValues"] = to_item({f":{name}": value for name, value in values.items()})
        self.items.append({kind: operation})
        self.labels.append(label)

    def failed(self, exc: ClientError) -> list[object]:
        """The labels of the items whose condition failed in a cancelled transaction."""
        reasons = exc.response.get("CancellationReasons", [])
        return [
            self.labels[index]
            for index, reason in enumerate(reasons)
            if reason.get("Code") == "ConditionalCheckFailed" and index < len(self.labels)
        ]


def commit(client: DynamoDBClient, transaction: Transaction, attempts: int, first_is_new: bool = False) -> None:
    """Run a transaction, retried on throttling, 5xx and conflicts with one ClientRequestToken (so DynamoDB
    applies it at most once). A cancellation by a failed condition raises the ClientError for the caller to read
    with `Transaction.failed`. `first_is_new`: item 0 creates an item whose key only we know, so finding it there
    on a retry means an earlier attempt committed."""
    token = uuid.uuid4().hex
    sent = 0

    def once() -> None:
        nonlocal sent
        sent += 1
        try:
            client.transact_write_items(TransactItems=transaction.items, ClientRequestToken=token)  # type: ignore[arg-type]
        except ClientError as exc:
            if error_code(exc) != "TransactionCanceledException":
                raise
            codes = [reason.get("Code") for reason in exc.response.get("CancellationReasons", [])]
            if first_is_new and sent > 1 and codes and codes[0] == "ConditionalCheckFailed":
                return
            if "ConditionalCheckFailed" in codes or not any(code in RETRYABLE for code in codes):
                raise
            raise _TryAgain from exc

    call_with_retries(once, attempts, "The complaint store is busy; nothing was stored. Please retry.")


# ----- how complaints, events and report counters are stored -----


RECORD_ATTR = "record"
PLAIN = ("version", "quarantine")
"""Kept beside the packed record: `version` (what every write's condition reads) and `quarantine` (which the
scanner sets on an item whose record cannot be read)."""


def complaint_values(complaint: Complaint, shards: int) -> dict[str, Any]:
    """The attributes of a complaint item: its key, its listing attributes, its due-index entry (the complaint's
    next threshold, or its quarantine's retry; absent when nothing is pending), `version` and `quarantine`, and
    the rest of its record packed into one binary attribute (compact JSON, zlib): a complaint is written whole on
    every change, and DynamoDB charges every write by the item's size, in whole KB (twice in a transaction)."""
    record = complaint_record(complaint)
    values: dict[str, Any] = {name: record.pop(name) for name in PLAIN}
    del record["id"]  # the key says it
    record["clocks"] = json.loads(record["clocks"])  # nested, not a string in a string: nothing to escape
    packed = json.dumps({k: v for k, v in record.items() if v is not None}, separators=(",", ":"), ensure_ascii=False)
    values[RECORD_ATTR] = zlib.compress(packed.encode("utf-8"), 9)
    values.update(keys.complaint_key(complaint.id))
    values.update(keys.due_entry(complaint.id, next_due(complaint), shards))
    values[keys.LIST_STATUS_ATTR] = complaint.status.value
    values[keys.LIST_RECEIVED_ATTR] = keys.list_received(complaint.received_at, complaint.id)
    values["kind"] = "complaint"
    return values


def unpacked(values: Mapping[str, Any]) -> dict[str, Any]:
    """A complaint item's plain values with its packed record opened (attributes stored beside the record, as an
    item written before records were packed has them all, win); `UnreadableComplaint` if it cannot be opened."""
    packed = values.get(RECORD_ATTR)
    if packed is None:
        return dict(values)
    complaint_id = str(values.get(keys.TABLE_PK, "")).removeprefix("C#")
    try:
        data = packed.value if hasattr(packed, "value") else packed
        record = json.loads(zlib.decompress(bytes(data)).decode("utf-8"))
    except (zlib.error, TypeError, UnicodeDecodeError):
        raise UnreadableComplaint(complaint_id, "the stored complaint's record cannot be unpacked") from None
    except json.JSONDecodeError:
        raise UnreadableComplaint(complaint_id, "the stored complaint holds malformed JSON") from None
    if not isinstance(record, dict):
        raise UnreadableComplaint(complaint_id, "the stored complaint's record is not an object")
    if isinstance(record.get("clocks"), dict):
        record["clocks"] = json.dumps(record["clocks"])
    plain = {name: value for name, value in values.items() if name != RECORD_ATTR}
    return {"id": complaint_id} | record | plain


def next_due(complaint: Complaint) -> datetime | None:
    """When the due index should bring the complaint back: its quarantine's retry, or its next threshold."""
    if complaint.quarantine is not None:
        return complaint.quarantine.retry_at
    return complaint.next_due()


def complaint_from(values: Mapping[str, Any]) -> Complaint:
    """A complaint item's plain values -> the model, or `UnreadableComplaint`."""
    return complaint_from_record(str(values.get(keys.TABLE_PK, "")).removeprefix("C#"), unpacked(values))


def event_values(complaint_id: str, event: AuditEvent) -> dict[str, Any]:
    """The attributes of an audit event item, under its complaint."""
    return event.model_dump(mode="json") | {
        keys.TABLE_PK: keys.complaint_pk(complaint_id),
        keys.TABLE_SK: keys.event_sk(event.sequence),
        "kind": "event",
    }


CELL_JOIN = "+"
"""Joins the rows one counter item adds to: a complaint's contributions go to one item for all its rows (everything,
its category, priority and channel), not one item per row, since every item in a transaction costs 2 write units."""


def add_counters(transaction: Transaction, complaint: Complaint, events: Sequence[AuditEvent], zone: ZoneInfo) -> None:
    """Add to the transaction what `events` contribute to the complaint's month report (atomic ADDs on its shard
    of the item that counts for all its rows, `all#all+category#...+priority#...+channel#...`, and of its
    customer's row for surveys)."""
    totals: dict[str, int] = {}
    customer: dict[str, int] = {}
    for event in events:
        for name, value in contributions(event).items():
            totals[name] = totals.get(name, 0) + value
            if name in ("surveys", "score_sum", "satisfied", "low"):
                customer[name] = customer.get(name, 0) + value
    if not totals:
        return
    month = month_of(complaint.received_at, zone)
    shard = keys.report_shard(complaint.id)
    rows = [(CELL_JOIN.join(row_keys(complaint)), totals)]
    customer_at = customer_row(complaint)
    if customer and customer_at is not None:
        rows.append((customer_at, customer))
    for row, counts in rows:
        ordered = sorted(counts)
        names = {f"#c{i}": name for i, name in enumerate(ordered)} | {"#kind": "kind"}
        additions = ", ".join(f"#c{i} :v{i}" for i in range(len(ordered)))
        values: dict[str, Any] = {f"v{i}": counts[name] for i, name in enumerate(ordered)}
        transaction.update(
            keys.report_key(month, row, shard), f"SET #kind = :kind ADD {additions}", names, kind="report", **values
        )
