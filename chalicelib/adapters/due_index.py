"""The due index on DynamoDB: the sparse GSI (due_shard, next_due) that holds only items with something pending —
complaints with a clock threshold ahead, and notices not yet delivered. Takes a boto3 DynamoDB client (the
`DueIndex` port).

Query each shard for what is due (the index holds keys only: the items found are fetched, and one no longer due
is passed over) -> claim a complaint's notices and advance its next_due in one conditional
transaction -> lease a stranded notice with one conditional update -> mark delivered notices in batches.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from chalicelib.adapters import dynamo, keys
from chalicelib.domain.model import Complaint
from chalicelib.domain.notices import Notice, Window
from chalicelib.domain.operator import Quarantine
from chalicelib.domain.vocabulary import NoticeType
from chalicelib.ports import (
    DueComplaint,
    DueItem,
    DueNotice,
    DueRollUp,
    DueUnreadable,
    Events,
    Notices,
    Outgoing,
    UnreadableComplaint,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

BATCH_WRITE_LIMIT = 25
PAGE = 100


def notice_values(
    notice: Notice, attempts: int, pending_until: datetime | None, shards: int, now: datetime
) -> dict[str, Any]:
    """The attributes of a notice item; while pending it sits in the due index until `pending_until`."""
    values: dict[str, Any] = notice.model_dump(mode="json")
    values.update(keys.notice_key(notice.complaint_id, notice.about, notice.cycle, notice.key_level, notice.audience))
    values["kind"] = "notice"
    values["attempts"] = attempts
    if notice.type == NoticeType.BREACH:  # only breaches are digested: a resolved notice stays out of by_audience
        values[keys.DETECTED_KEY_ATTR] = keys.sortable_time(notice.detected)
    if pending_until is None:
        values["status"] = "sent"
        values["sent_at"] = keys.sortable_time(now)
    else:
        values["status"] = "pending"
        values.update(keys.due_entry(notice.complaint_id, pending_until, shards))
    return values


@dataclass(eq=False)
class DynamoDueIndex:
    """Reads what is due and records what the scanner claimed and delivered."""

    client: DynamoDBClient
    table_name: str
    shards: int
    zone: ZoneInfo
    attempts: int = 3

    def due(self, now: datetime, ahead: datetime | None = None) -> Iterator[DueItem]:
        """Every item due at `now` (or by `ahead`), shard by shard, oldest first: a Query per page of each shard, and
        a BatchGetItem (consistent) of the items that page found."""
        until = keys.sortable_time(max(now, ahead) if ahead is not None else now)
        for shard in keys.shards(self.shards):
            kwargs: dict[str, Any] = {
                "TableName": self.table_name,
                "IndexName": keys.DUE_INDEX,
                "KeyConditionExpression": "due_shard = :shard AND next_due <= :now",
                "ExpressionAttributeValues": dynamo.to_item({":shard": shard, ":now": until}),
                "Limit": PAGE,
            }
            for page in dynamo.query_pages(self.client, self.attempts, **kwargs):
                for item in dynamo.batch_get(self.client, self.table_name, page, self.attempts):
                    values = dynamo.from_item(item)
                    if str(values.get(keys.NEXT_DUE_ATTR, "~")) <= until:  # still due since the index saw it
                        yield _read(values)

    def claim(
        self, seen: DueComplaint, updated: Complaint, notices: Notices, events: Events, lease_until: datetime
    ) -> bool:
        transaction = dynamo.Transaction(self.table_name)
        stored = updated.model_copy(update={"version": seen.version + 1})
        transaction.put(dynamo.complaint_values(stored, self.shards), "version = :seen", seen=seen.version)
        for notice in notices:
            transaction.put(notice_values(notice, 1, lease_until, self.shards, lease_until), dynamo.NEW)
        for event in events:
            transaction.put(dynamo.event_values(updated.id, event), dynamo.NEW)
        dynamo.add_counters(transaction, updated, events, self.zone)
        try:
            dynamo.commit(self.client, transaction, self.attempts)
        except ClientError as exc:
            if dynamo.is_condition_failure(exc):
                return False
            raise
        return True

    def lease(self, pending: DueNotice, until: datetime) -> bool:
        notice = pending.notice
        key = keys.notice_key(notice.complaint_id, notice.about, notice.cycle, notice.key_level, notice.audience)
        return self._update(
            key,
            "SET next_due = :lease, attempts = attempts + :one",
            "next_due = :seen",
            {":lease": keys.sortable_time(until), ":seen": pending.token, ":one": 1},
        )

    def quarantine(self, seen: DueComplaint | DueUnreadable, quarantine: Quarantine) -> bool:
        if isinstance(seen, DueComplaint):
            held = seen.complaint.model_copy(update={"quarantine": quarantine, "version": seen.version + 1})
            return dynamo.written_if_condition_holds(
                self.client.put_item,
                self.attempts,
                TableName=self.table_name,
                Item=dynamo.to_item(dynamo.complaint_values(held, self.shards)),
                ConditionExpression="version = :seen",
                ExpressionAttributeValues=dynamo.to_item({":seen": seen.version}),
            )
        return self._update(
            keys.complaint_key(seen.complaint_id),
            "SET quarantine = :quarantine, next_due = :retry, version = if_not_exists(version, :zero) + :one",
            "next_due = :seen",
            {
                ":quarantine": quarantine.model_dump(mode="json"),
                ":retry": keys.sortable_time(quarantine.retry_at),
                ":seen": seen.token,
                ":zero": 0,
                ":one": 1,
            },
        )

    def settle(self, sent: Sequence[Outgoing], unsent: Sequence[Outgoing], now: datetime, retry_at: datetime) -> None:
        puts = [notice_values(notice, attempts, None, self.shards, now) for notice, attempts in sent]
        puts += [notice_values(notice, attempts, retry_at, self.shards, now) for notice, attempts in unsent]
        for start in range(0, len(puts), BATCH_WRITE_LIMIT):
            requests: list[dict[str, Any]] = [
                {"PutRequest": {"Item": dynamo.to_item(values)}} for values in puts[start : start + BATCH_WRITE_LIMIT]
            ]
            pending: dict[str, Any] = {self.table_name: requests}
            for _ in range(self.attempts + 2):
                response = dynamo.call_with_retries(self.client.batch_write_item, self.attempts, RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    break

    def _update(self, key: dict[str, str], expression: str, condition: str, values: dict[str, Any]) -> bool:
        return dynamo.written_if_condition_holds(
            self.client.update_item,
            self.attempts,
            TableName=self.table_name,
            Key=dynamo.to_item(key),
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeValues=dynamo.to_item(values),
        )


def _read(values: dict[str, Any]) -> DueItem:
    stored_due = str(values[keys.NEXT_DUE_ATTR])
    due_at = keys.time_of(stored_due)
    if values.get("kind") == "rollup":
        window = Window(
            audience=values["audience"],
            start=datetime.fromisoformat(values["window_start"]),
            end=datetime.fromisoformat(values["window_end"]),
        )
        return DueRollUp(window, int(values.get("attempts", 0)), due_at, stored_due)
    if values.get("kind") == "notice":
        return DueNotice(Notice.model_validate(values), int(values.get("attempts", 0)), due_at, stored_due)
    try:
        complaint = dynamo.complaint_from(values)
    except UnreadableComplaint as exc:
        try:
            previous = Quarantine.model_validate(values["quarantine"]) if "quarantine" in values else None
        except ValueError:
            previous = None
        return DueUnreadable(exc.complaint_id, exc.reason, previous, due_at, stored_due)
    return DueComplaint(complaint, complaint.version, due_at)
