"""DynamoDB repository: complaints, their audit trail and idempotency records in the single table.

Takes a boto3 DynamoDB client; turns ClientError codes into domain errors. Keys come from `chalicelib.keys`.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import keys
from chalicelib.domain.errors import Unavailable
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.operator import describe_failure

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")
log = logging.getLogger(__name__)
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


@dataclass(frozen=True)
class IdempotencyClaim:
    """A delivery key that must lead to one complaint: scope (`key`, `webhook`, `external`) and value."""

    scope: str
    value: str
    fingerprint: str


class DuplicateDelivery(Exception):
    """A complaint already exists for one of the delivery's idempotency keys."""

    def __init__(self, claim: IdempotencyClaim) -> None:
        super().__init__(claim.scope)
        self.claim = claim


def complaint_values(complaint: Complaint, due_shard: str | None, next_due: str | None) -> dict[str, Any]:
    """The attributes of a complaint item: the model, its key, and its due-index entry when pending."""
    values = complaint.model_dump(mode="json")
    # The clocks are read and written whole, never queried: one compact JSON string keeps items small.
    values["clocks"] = json.dumps(values["clocks"], separators=(",", ":"), ensure_ascii=False)
    values.update(keys.complaint_key(complaint.id))
    values[keys.DUE_SHARD_ATTR] = due_shard if next_due is not None else None
    values[keys.NEXT_DUE_ATTR] = next_due
    values[keys.LIST_STATUS_ATTR] = complaint.status.value
    values[keys.LIST_RECEIVED_ATTR] = keys.list_received(complaint.received_at, complaint.id)
    values["kind"] = "complaint"
    return values


def event_values(complaint_id: str, event: AuditEvent) -> dict[str, Any]:
    """The attributes of an audit event item, under its complaint."""
    return event.model_dump(mode="json") | {
        keys.TABLE_PK: keys.complaint_pk(complaint_id),
        keys.TABLE_SK: keys.event_sk(event.sequence),
        "kind": "event",
    }


def counter_items(
    table: str, complaint: Complaint, events: Sequence[AuditEvent], zone: ZoneInfo
) -> list[dict[str, Any]]:
    """Transaction items adding what `events` contribute to the complaint's month report (atomic ADDs)."""
    from chalicelib.domain.report import contributions, customer_row, month_of, row_keys

    totals: dict[str, int] = {}
    customer: dict[str, int] = {}
    for event in events:
        for name, value in contributions(event).items():
            totals[name] = totals.get(name, 0) + value
            if name in ("surveys", "score_sum", "satisfied", "low"):
                customer[name] = customer.get(name, 0) + value
    if not totals:
        return []
    month = month_of(complaint.received_at, zone)
    shard = keys.report_shard(complaint.id)
    rows = [(row, totals) for row in row_keys(complaint)]
    if customer:
        rows.append((customer_row(complaint), customer))
    items = []
    for row, counts in rows:
        names = {f"#c{i}": name for i, name in enumerate(sorted(counts))}
        values = {f":v{i}": counts[name] for i, name in enumerate(sorted(counts))}
        items.append(
            {
                "Update": {
                    "TableName": table,
                    "Key": to_item(keys.report_key(month, row, shard)),
                    "UpdateExpression": "SET #kind = :kind ADD "
                    + ", ".join(f"{n} {v}" for n, v in zip(names, values, strict=True)),
                    "ExpressionAttributeNames": names | {"#kind": "kind"},
                    "ExpressionAttributeValues": to_item(values | {":kind": "report"}),
                }
            }
        )
    return items


class UnreadableComplaint(ValueError):
    """A stored complaint item that does not parse into the model; `reason` says where, never quoting a value."""

    def __init__(self, complaint_id: str, reason: str) -> None:
        super().__init__(reason)
        self.complaint_id = complaint_id
        self.reason = reason


def complaint_from(values: Mapping[str, Any]) -> Complaint:
    """A complaint item's plain values -> the model, or `UnreadableComplaint`."""
    try:
        return Complaint.model_validate({**values, "clocks": json.loads(values["clocks"])})
    except (KeyError, TypeError, ValueError) as exc:
        complaint_id = str(values.get(keys.TABLE_PK, "")).removeprefix("C#")
        reason = "the stored complaint has no clocks" if isinstance(exc, KeyError) else describe_failure(exc)
        raise UnreadableComplaint(complaint_id, reason) from None


class ComplaintRepository:
    """Reads and writes complaints; a new complaint is one transaction (complaint, keys, first event)."""

    def __init__(
        self, client: DynamoDBClient, table_name: str, attempts: int = 3, zone: ZoneInfo = DEFAULT_ZONE
    ) -> None:
        self._client = client
        self._table = table_name
        self._attempts = attempts
        self._zone = zone

    def create(
        self,
        complaint: Complaint,
        claims: Sequence[IdempotencyClaim],
        event: AuditEvent,
        due: tuple[str, str] | None,
    ) -> None:
        """Store a new complaint, its idempotency records and its first audit event atomically.

        Raises `DuplicateDelivery` when a claim is already held, `Unavailable` when DynamoDB keeps failing.
        """
        shard, next_due = due if due is not None else (None, None)
        not_there = "attribute_not_exists(pk)"
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(complaint_values(complaint, shard, next_due)),
                    "ConditionExpression": not_there,
                }
            }
        ]
        for claim in claims:
            record = keys.idempotency_key(claim.scope, claim.value) | {
                "complaint_id": complaint.id,
                "fingerprint": claim.fingerprint,
                "kind": "idempotency",
            }
            items.append({"Put": {"TableName": self._table, "Item": to_item(record), "ConditionExpression": not_there}})
        items.append({"Put": {"TableName": self._table, "Item": to_item(event_values(complaint.id, event))}})
        items.extend(counter_items(self._table, complaint, [event], self._zone))
        self._transact(items, claims, created_first=True)

    def record(
        self,
        before: Complaint,
        updated: Complaint,
        event: AuditEvent,
        due: tuple[str, str] | None,
        claim: IdempotencyClaim | None,
    ) -> bool:
        """Store a staff change: the complaint (if still at the version read), its audit event and the request's
        idempotency record, at once. False when the complaint changed meanwhile (nothing written)."""
        shard, next_due = due if due is not None else (None, None)
        stored = updated.model_copy(update={"version": before.version + 1})
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(complaint_values(stored, shard, next_due)),
                    "ConditionExpression": "version = :seen",
                    "ExpressionAttributeValues": to_item({":seen": before.version}),
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(event_values(updated.id, event)),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ]
        claims = [claim] if claim is not None else []
        for each in claims:
            record = keys.idempotency_key(each.scope, each.value) | {
                "complaint_id": updated.id,
                "fingerprint": each.fingerprint,
                "kind": "idempotency",
            }
            items.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item(record),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        items.extend(counter_items(self._table, updated, [event], self._zone))
        try:
            self._transact(items, claims, claim_offset=2)
        except ClientError as exc:
            if error_code(exc) == "TransactionCanceledException":
                return False
            raise
        return True

    def page(
        self, status: str, since: str, until: str, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[Complaint], dict[str, Any] | None]:
        """One page of complaints of a status received in [since, until], newest first (the by_status index); an
        item that cannot be read is left out (and logged: the scanner quarantines it), never fails the page."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": keys.LIST_INDEX,
            "KeyConditionExpression": "list_status = :status AND list_received BETWEEN :since AND :until",
            "ExpressionAttributeValues": to_item({":status": status, ":since": since, ":until": until}),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        response = self._call(self._client.query, **kwargs)
        found = []
        for item in response.get("Items", []):
            try:
                found.append(complaint_from(from_item(item)))
            except UnreadableComplaint as exc:
                log.error("complaint %s left out of a listing: %s", exc.complaint_id, exc.reason)
        return found, response.get("LastEvaluatedKey")

    def _transact(
        self,
        items: list[dict[str, Any]],
        claims: Sequence[IdempotencyClaim],
        claim_offset: int = 1,
        created_first: bool = False,
    ) -> None:
        """One transaction, retried on throttling, 5xx and conflicts with one ClientRequestToken (so DynamoDB
        applies it at most once). `created_first`: item 0 creates a new item whose id only we know, so finding
        it already there on a retry means an earlier attempt committed."""
        token = uuid.uuid4().hex
        for attempt in range(self._attempts):
            try:
                self._client.transact_write_items(TransactItems=items, ClientRequestToken=token)  # type: ignore[arg-type]
                return
            except ClientError as exc:
                code = error_code(exc)
                if code == "TransactionCanceledException":
                    reasons = exc.response.get("CancellationReasons", [])
                    failed = [index for index, r in enumerate(reasons) if r.get("Code") == "ConditionalCheckFailed"]
                    if created_first and attempt > 0 and 0 in failed:
                        return
                    for index in failed:
                        if 0 <= index - claim_offset < len(claims):
                            raise DuplicateDelivery(claims[index - claim_offset]) from exc
                    if not any(r.get("Code") in RETRYABLE for r in reasons):
                        raise
                elif code not in RETRYABLE:
                    raise
            except BotoCoreError:
                pass
            if attempt + 1 < self._attempts:
                time.sleep(0.05 * 2**attempt)
        raise Unavailable("The complaint store is busy; nothing was stored. Please retry.", retry_after=2)

    def complaint_for(self, claim: IdempotencyClaim) -> tuple[str, str] | None:
        """The (complaint id, fingerprint) an idempotency key is bound to, if any."""
        item = self._get(keys.idempotency_key(claim.scope, claim.value))
        if item is None:
            return None
        return str(item["complaint_id"]), str(item.get("fingerprint", ""))

    def get(self, complaint_id: str) -> Complaint | None:
        """A complaint by id, read consistently; None when there is none."""
        item = self._get(keys.complaint_key(complaint_id))
        return None if item is None else complaint_from(item)

    def events(self, complaint_id: str) -> list[AuditEvent]:
        """The audit trail of a complaint, oldest first."""
        found: list[AuditEvent] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": to_item(
                {":pk": keys.complaint_pk(complaint_id), ":prefix": keys.EVENT_PREFIX}
            ),
            "ConsistentRead": True,
        }
        while True:
            page = self._call(self._client.query, **kwargs)
            found.extend(AuditEvent.model_validate(from_item(item)) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _get(self, key: Mapping[str, str]) -> dict[str, Any] | None:
        response = self._call(self._client.get_item, TableName=self._table, Key=to_item(key), ConsistentRead=True)
        item = response.get("Item")
        return None if item is None else from_item(item)

    def _call(self, operation: Any, **kwargs: Any) -> Any:
        return call_with_retries(operation, self._attempts, **kwargs)


def error_code(exc: ClientError) -> str:
    """The AWS error code of a ClientError."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def call_with_retries(operation: Any, attempts: int, **kwargs: Any) -> Any:
    """One request, retried on throttling and 5xx; still failing -> `Unavailable`."""
    for attempt in range(attempts):
        try:
            return operation(**kwargs)
        except ClientError as exc:
            if error_code(exc) not in RETRYABLE:
                raise
        except BotoCoreError:
            pass
        if attempt + 1 < attempts:
            time.sleep(0.05 * 2**attempt)
    raise Unavailable("The complaint store is busy. Please retry.", retry_after=2)
