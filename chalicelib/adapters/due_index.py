"""The due index: the sparse GSI (due_shard, next_due) that holds only items with something pending —
complaints with a clock threshold ahead, and notices not yet delivered. Takes a boto3 DynamoDB client.

Query a shard for what is due -> claim a complaint's notices and advance its next_due in one conditional
transaction -> lease a stranded notice with one conditional update -> mark delivered notices in batches.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from chalicelib import keys
from chalicelib.adapters.dynamo import (
    DEFAULT_ZONE,
    call_with_retries,
    complaint_from,
    complaint_values,
    counter_items,
    error_code,
    event_values,
    from_item,
    to_item,
)
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.notices import Notice

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

BATCH_WRITE_LIMIT = 25


@dataclass(frozen=True)
class DueComplaint:
    """A complaint read from the due index, with the version it had when read."""

    complaint: Complaint
    version: int


@dataclass(frozen=True)
class DueNotice:
    """A notice read from the due index: claimed earlier but not delivered (its lease ran out)."""

    notice: Notice
    lease: str
    attempts: int


def notice_values(notice: Notice, pending_until: str | None, shard: str, attempts: int, now: str) -> dict[str, Any]:
    """The attributes of a notice item; while pending it sits in the due index until `pending_until`."""
    values: dict[str, Any] = notice.model_dump(mode="json")
    values.update(keys.notice_key(notice.complaint_id, notice.clock, notice.cycle, notice.level.value, notice.audience))
    values["kind"] = "notice"
    values["attempts"] = attempts
    values[keys.DETECTED_KEY_ATTR] = keys.due_value(datetime.fromisoformat(notice.detected_at))
    if pending_until is None:
        values["status"] = "sent"
        values["sent_at"] = now
    else:
        values["status"] = "pending"
        values[keys.DUE_SHARD_ATTR] = shard
        values[keys.NEXT_DUE_ATTR] = pending_until
    return values


class DueIndex:
    """Reads what is due and records what the scanner claimed and delivered."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        shards: int,
        attempts: int = 3,
        zone: ZoneInfo = DEFAULT_ZONE,
    ) -> None:
        self._client = client
        self._table = table_name
        self._shards = shards
        self._attempts = attempts
        self._zone = zone

    @property
    def shards(self) -> list[str]:
        """Every shard of the index."""
        return [f"S{number}" for number in range(self._shards)]

    def due(self, shard: str, now: datetime, page_size: int = 100) -> Iterator[DueComplaint | DueNotice]:
        """Every item of `shard` due at `now`, oldest first, page by page (a page is one Query)."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": keys.DUE_INDEX,
            "KeyConditionExpression": "due_shard = :shard AND next_due <= :now",
            "ExpressionAttributeValues": to_item({":shard": shard, ":now": keys.due_value(now)}),
            "Limit": page_size,
        }
        while True:
            page = call_with_retries(self._client.query, self._attempts, **kwargs)
            for item in page.get("Items", []):
                values = from_item(item)
                if values.get("kind") == "notice":
                    notice = Notice.model_validate(values)
                    yield DueNotice(notice, str(values[keys.NEXT_DUE_ATTR]), int(values.get("attempts", 0)))
                else:
                    complaint = complaint_from(values)
                    yield DueComplaint(complaint, complaint.version)
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def claim(
        self,
        seen: DueComplaint,
        updated: Complaint,
        due: tuple[str, str] | None,
        notices: Sequence[Notice],
        lease_until: str,
    ) -> bool:
        """Store the complaint with its notified levels and next due, and its new notices as pending, at once.

        Conditional on the complaint's version and on each notice being new: False when another run (or a
        staff update) got there first, and nothing is written.
        """
        shard, next_due = due if due is not None else (None, None)
        first = updated.event_count + 1
        count = updated.event_count + len(notices)
        stored = updated.model_copy(update={"version": seen.version + 1, "event_count": count})
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(complaint_values(stored, shard, next_due)),
                    "ConditionExpression": "version = :seen",
                    "ExpressionAttributeValues": to_item({":seen": seen.version}),
                }
            }
        ]
        notice_shard = keys.due_shard(updated.id, self._shards)
        for notice in notices:
            values = notice_values(notice, lease_until, notice_shard, 1, lease_until)
            items.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item(values),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        events = []
        counted: set[tuple[str, int, str]] = set()
        for number, notice in enumerate(notices):
            group = (notice.clock, notice.cycle, notice.level.value)
            first_of_level = "true" if group not in counted else "false"
            counted.add(group)
            event = AuditEvent(
                sequence=first + number,
                type="notice",
                at=datetime.fromisoformat(notice.detected_at),
                recorded_at=datetime.fromisoformat(notice.detected_at),
                by="scanner",
                status_before=updated.status,
                status_after=updated.status,
                details={"notice_id": notice.notice_id, "clock": notice.clock, "level": notice.level.value,
                         "audience": notice.audience, "first_of_level": first_of_level},
            )  # fmt: skip
            events.append(event)
            items.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item(event_values(updated.id, event)),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        items.extend(counter_items(self._table, updated, events, self._zone))
        try:
            call_with_retries(self._client.transact_write_items, self._attempts, TransactItems=items)
        except ClientError as exc:
            if error_code(exc) == "TransactionCanceledException":
                return False
            raise
        return True

    def lease(self, due: DueNotice, lease_until: str) -> bool:
        """Take a stranded notice for this run: conditional on its lease being the one we read."""
        notice = due.notice
        key = keys.notice_key(notice.complaint_id, notice.clock, notice.cycle, notice.level.value, notice.audience)
        try:
            call_with_retries(
                self._client.update_item,
                self._attempts,
                TableName=self._table,
                Key=to_item(key),
                UpdateExpression="SET next_due = :lease, attempts = attempts + :one",
                ConditionExpression="next_due = :seen",
                ExpressionAttributeValues=to_item({":lease": lease_until, ":seen": due.lease, ":one": 1}),
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def settle(
        self,
        delivered: Sequence[tuple[Notice, int]],
        retry: Sequence[tuple[Notice, int]],
        now: str,
        retry_at: str,
    ) -> None:
        """Mark delivered notices sent (out of the index); put failed ones back in it, due at `retry_at`."""
        puts = [notice_values(n, None, "", attempts, now) for n, attempts in delivered]
        puts += [
            notice_values(n, retry_at, keys.due_shard(n.complaint_id, self._shards), attempts, now)
            for n, attempts in retry
        ]
        for start in range(0, len(puts), BATCH_WRITE_LIMIT):
            requests: list[dict[str, Any]] = [
                {"PutRequest": {"Item": to_item(values)}} for values in puts[start : start + BATCH_WRITE_LIMIT]
            ]
            pending: dict[str, Any] = {self._table: requests}
            for _ in range(self._attempts + 2):
                response = call_with_retries(self._client.batch_write_item, self._attempts, RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    break
