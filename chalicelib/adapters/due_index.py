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
    UnreadableComplaint,
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
from chalicelib.domain.operator import Quarantine

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

BATCH_WRITE_LIMIT = 25


@dataclass(frozen=True)
class DueComplaint:
    """A complaint read from the due index, with the version it had when read and when it fell due."""

    complaint: Complaint
    version: int
    due_at: datetime


@dataclass(frozen=True)
class DueNotice:
    """A notice read from the due index: claimed earlier but not delivered (its lease ran out)."""

    notice: Notice
    lease: str
    attempts: int

    @property
    def due_at(self) -> datetime:
        return keys.due_instant(self.lease)


@dataclass(frozen=True)
class DueUnreadable:
    """An item of the due index that does not parse (a complaint written by an older version, or damaged):
    its id, when it fell due, why it cannot be read, and its quarantine so far (if that much could be read)."""

    complaint_id: str
    stored_due: str
    reason: str
    quarantine: Quarantine | None

    @property
    def due_at(self) -> datetime:
        return keys.due_instant(self.stored_due)


DueItem = DueComplaint | DueNotice | DueUnreadable


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

    def due(self, shard: str, now: datetime, page_size: int = 100) -> Iterator[DueItem]:
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
                yield self._read(from_item(item))
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    @staticmethod
    def _read(values: dict[str, Any]) -> DueItem:
        stored_due = str(values[keys.NEXT_DUE_ATTR])
        if values.get("kind") == "notice":
            notice = Notice.model_validate(values)
            return DueNotice(notice, stored_due, int(values.get("attempts", 0)))
        try:
            complaint = complaint_from(values)
        except UnreadableComplaint as exc:
            try:
                previous = Quarantine.model_validate(values["quarantine"]) if "quarantine" in values else None
            except ValueError:
                previous = None
            return DueUnreadable(exc.complaint_id, stored_due, exc.reason, previous)
        return DueComplaint(complaint, complaint.version, keys.due_instant(stored_due))

    def quarantine(self, seen: DueComplaint | DueUnreadable, quarantine: Quarantine) -> bool:
        """Hold a complaint that cannot be evaluated: record why on it and move it in the index to its next
        retry, conditional on it being as it was read (False: another run or a staff change got there first)."""
        if isinstance(seen, DueComplaint):
            complaint_id, condition = seen.complaint.id, "version = :seen"
            seen_value: object = seen.version
        else:
            complaint_id, condition = seen.complaint_id, "next_due = :seen"
            seen_value = seen.stored_due
        try:
            call_with_retries(
                self._client.update_item,
                self._attempts,
                TableName=self._table,
                Key=to_item(keys.complaint_key(complaint_id)),
                UpdateExpression="SET quarantine = :quarantine, next_due = :retry, "
                "version = if_not_exists(version, :zero) + :one",
                ConditionExpression=condition,
                ExpressionAttributeValues=to_item(
                    {
                        ":quarantine": quarantine.model_dump(mode="json"),
                        ":retry": keys.due_value(quarantine.retry_at),
                        ":seen": seen_value,
                        ":zero": 0,
                        ":one": 1,
                    }
                ),
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

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
