"""The complaint store on DynamoDB: complaints, their audit trails and delivery keys in the single table. A new
complaint is one transaction (complaint, first event, delivery keys, report counters); a change is one
transaction conditional on the version read. Listing reads the `by_status` index (keys only: each page's complaints
fetched with one BatchGetItem) with opaque cursors.
Takes a boto3 DynamoDB client (the `ComplaintStore` port)."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from chalicelib.adapters import keys
from chalicelib.adapters.due_index import notice_values
from chalicelib.adapters.dynamo import (
    NEW,
    Transaction,
    add_counters,
    batch_get,
    call_with_retries,
    commit,
    complaint_from,
    complaint_values,
    event_values,
    from_item,
    is_condition_failure,
    partition,
    set_attributes,
    to_item,
)
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.notices import NOTICE_TEXTS
from chalicelib.domain.vocabulary import Status
from chalicelib.ports import (
    RECEIPT_SCOPE,
    Binding,
    DeliveryKey,
    DuplicateDelivery,
    InvalidCursor,
    Listed,
    Moment,
    Outbox,
    Receipt,
    UnreadableComplaint,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

log = logging.getLogger(__name__)
PAGE = 100


BINDING_KEPT = timedelta(days=30)
"""How long a delivery key is kept: longer than any sender retries (Standard Webhooks senders stop within days)."""
SUBMISSION_ID_KEPT = timedelta(days=100)
"""A source's submission id guards against replays of deliveries signed without a timestamp: it is kept longer
than a submission's time of receipt may be old (90 days), after which a replay is refused for its age."""


def binding_values(key: DeliveryKey, complaint_id: str, at: datetime) -> dict[str, Any]:
    """The item that binds a delivery key to its complaint, kept (TTL) a while after `at`."""
    kept = SUBMISSION_ID_KEPT if key.scope.startswith("external#") else BINDING_KEPT
    return keys.idempotency_key(key.scope, key.value) | {
        "complaint_id": complaint_id,
        "fingerprint": key.fingerprint,
        "kind": "idempotency",
        keys.TTL_ATTR: keys.expires(at + kept),
    }


def add_outbox(transaction: Transaction, complaint: Complaint, outbox: Outbox | None, shards: int) -> None:
    """Add an outbox's notices (pending in the due index until its lease ends) and their audit events."""
    if outbox is None:
        return
    for notice in outbox.notices:
        transaction.put(notice_values(notice, 1, outbox.lease_until, shards, outbox.lease_until), NEW)
    for event in outbox.events:
        transaction.put(event_values(complaint.id, event), NEW)


def add_receipt(transaction: Transaction, complaint: Complaint, receipt: Receipt | None) -> None:
    """The receipt's item (its digest -> the complaint) and, when an acknowledgement is owed, its retry marker (the
    Claims layout: a later run finds it with the rest of the retry list)."""
    if receipt is None:
        return
    transaction.put(keys.receipt_key(receipt.digest) | {"complaint_id": complaint.id, "kind": "receipt"}, NEW)
    if receipt.acknowledgement is not None:
        transaction.put(keys.retry_marker(RECEIPT_SCOPE, complaint.id, receipt.acknowledgement), NEW)


@dataclass(eq=False)
class DynamoComplaintStore:
    """Reads and writes complaints."""

    client: DynamoDBClient
    table_name: str
    shards: int
    zone: ZoneInfo
    attempts: int = 3

    def create(
        self,
        complaint: Complaint,
        event: AuditEvent,
        keys_: Sequence[DeliveryKey],
        outbox: Outbox | None = None,
        receipt: Receipt | None = None,
    ) -> None:
        transaction = Transaction(self.table_name)
        transaction.put(complaint_values(complaint, self.shards), NEW)
        for key in keys_:
            transaction.put(binding_values(key, complaint.id, complaint.created_at), NEW, label=key)
        transaction.put(event_values(complaint.id, event))
        add_outbox(transaction, complaint, outbox, self.shards)
        add_receipt(transaction, complaint, receipt)
        add_counters(transaction, complaint, [event, *(outbox.events if outbox else ())], self.zone)
        self._commit(transaction, first_is_new=True)

    def save(
        self,
        before: Complaint,
        after: Complaint,
        event: AuditEvent,
        key: DeliveryKey | None = None,
        outbox: Outbox | None = None,
    ) -> bool:
        transaction = Transaction(self.table_name)
        stored = after.model_copy(update={"version": before.version + 1})
        transaction.put(complaint_values(stored, self.shards), "version = :seen", label="version", seen=before.version)
        transaction.put(event_values(after.id, event), NEW)
        if key is not None:
            transaction.put(binding_values(key, after.id, event.recorded_at), NEW, label=key)
        add_outbox(transaction, after, outbox, self.shards)
        add_counters(transaction, after, [event, *(outbox.events if outbox else ())], self.zone)
        try:
            self._commit(transaction)
        except _Cancelled:
            return False
        return True

    def erase(self, before: Complaint, after: Complaint, event: AuditEvent, scrub: Callable[[str], str]) -> bool:
        for values in self._partition(after.id):
            sk = str(values[keys.TABLE_SK])
            if sk.startswith(keys.EVENT_PREFIX):
                details = values.get("details") or {}
                scrubbed = {name: scrub(str(text)) for name, text in details.items()}
                if scrubbed != details:
                    self._set(values, {"details": scrubbed})
            elif sk.startswith(keys.NOTICE_PREFIX):
                texts = {name: values[name] for name in NOTICE_TEXTS if isinstance(values.get(name), str)}
                scrubbed = {name: scrub(text) for name, text in texts.items()}
                if scrubbed != texts:
                    self._set(values, scrubbed)
        transaction = Transaction(self.table_name)
        stored = after.model_copy(update={"version": before.version + 1})
        transaction.put(complaint_values(stored, self.shards), "version = :seen", label="version", seen=before.version)
        transaction.put(event_values(after.id, event), NEW)
        add_counters(transaction, after, [event], self.zone)
        try:
            self._commit(transaction)
        except _Cancelled:
            return False
        return True

    def _partition(self, complaint_id: str) -> Iterator[dict[str, Any]]:
        """Every item under the complaint's partition key (the complaint, its events and notices)."""
        return partition(self.client, self.table_name, keys.complaint_pk(complaint_id), self.attempts)

    def _set(self, values: dict[str, Any], changed: dict[str, Any]) -> None:
        call_with_retries(
            self.client.update_item,
            self.attempts,
            TableName=self.table_name,
            Key=to_item({keys.TABLE_PK: values[keys.TABLE_PK], keys.TABLE_SK: values[keys.TABLE_SK]}),
            **set_attributes(changed),
        )

    def _commit(self, transaction: Transaction, first_is_new: bool = False) -> None:
        try:
            commit(self.client, transaction, self.attempts, first_is_new)
        except ClientError as exc:
            if not is_condition_failure(exc):
                raise
            failed = transaction.failed(exc)
            for label in failed:
                if isinstance(label, DeliveryKey):
                    raise DuplicateDelivery(label) from None
            raise _Cancelled from None

    def get(self, complaint_id: str) -> Complaint | None:
        item = self._get(keys.complaint_key(complaint_id))
        return None if item is None else complaint_from(item)

    def by_receipt(self, digest: str) -> Complaint | None:
        item = self._get(keys.receipt_key(digest))
        return None if item is None else self.get(str(item["complaint_id"]))

    def bound(self, key: DeliveryKey) -> Binding | None:
        item = self._get(keys.idempotency_key(key.scope, key.value))
        if item is None:
            return None
        return Binding(str(item["complaint_id"]), str(item.get("fingerprint", "")))

    def trail(self, complaint_id: str) -> list[AuditEvent]:
        pk = keys.complaint_pk(complaint_id)
        events = partition(self.client, self.table_name, pk, self.attempts, prefix=keys.EVENT_PREFIX)
        return [AuditEvent.model_validate(event) for event in events]

    def browse(self, statuses: Sequence[Status], since: Moment, until: Moment, cursor: str | None = None) -> Listed:
        low = "0" if since is None else keys.sortable_time(since)
        high = "~" if until is None else keys.sortable_time(until) + "~"
        position, start = (0, None) if cursor is None else decode_cursor(cursor, len(statuses))
        for index in range(position, len(statuses)):
            status = statuses[index]
            exclusive = start if index == position else None
            while True:
                page, exclusive = self._page(status, low, high, exclusive)
                for complaint in page:
                    yield complaint, encode_cursor(index, complaint)
                if exclusive is None:
                    break

    def _page(
        self, status: Status, since: str, until: str, start: dict[str, Any] | None
    ) -> tuple[list[Complaint], dict[str, Any] | None]:
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": keys.LIST_INDEX,
            "KeyConditionExpression": "list_status = :status AND list_received BETWEEN :since AND :until",
            "ExpressionAttributeValues": to_item({":status": status.value, ":since": since, ":until": until}),
            "ScanIndexForward": False,
            "Limit": PAGE,
        }
        if start:
            kwargs["ExclusiveStartKey"] = to_item(
                keys.complaint_key(start["id"])
                | {keys.LIST_STATUS_ATTR: status.value, keys.LIST_RECEIVED_ATTR: start["received"]}
            )
        response = call_with_retries(self.client.query, self.attempts, **kwargs)
        found = []
        for item in batch_get(self.client, self.table_name, response.get("Items", []), self.attempts, consistent=False):
            values = from_item(item)
            if values.get(keys.LIST_STATUS_ATTR) != status.value:  # moved on since the index saw it: listed there
                continue
            try:
                found.append(complaint_from(values))
            except UnreadableComplaint as exc:
                log.error("complaint %s left out of a listing: %s", exc.complaint_id, exc.reason)
        last = response.get("LastEvaluatedKey")
        if last is None:
            return found, None
        plain = from_item(last)
        return found, {"id": str(plain[keys.TABLE_PK]).removeprefix("C#"), "received": plain[keys.LIST_RECEIVED_ATTR]}

    def _get(self, key: dict[str, str]) -> dict[str, Any] | None:
        response = call_with_retries(
            self.client.get_item, self.attempts, TableName=self.table_name, Key=to_item(key), ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else from_item(item)


class _Cancelled(Exception):
    """The version condition failed: the complaint changed since it was read."""


def encode_cursor(index: int, complaint: Complaint) -> str:
    """The opaque cursor that resumes a listing after `complaint`, the n-th status's."""
    key = {"i": index, "id": complaint.id, "r": keys.list_received(complaint.received_at, complaint.id)}
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, statuses: int) -> tuple[int, dict[str, Any]]:
    """Where a cursor resumes: the status's position and the listing key after which; `InvalidCursor` if it is
    not one `encode_cursor` made."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        index, complaint_id, received = raw["i"], raw["id"], raw["r"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise InvalidCursor(cursor) from None
    valid = (
        isinstance(index, int)
        and not isinstance(index, bool)
        and 0 <= index < statuses
        and isinstance(complaint_id, str)
        and len(complaint_id) == 32
        and isinstance(received, str)
        and received.endswith(f"#{complaint_id}")
    )
    if not valid:
        raise InvalidCursor(cursor)
    return index, {"id": complaint_id, "received": received}
