"""Claims: one record per (scope, name) that makes a side effect happen once (a digest email, the monthly report,
an operator notice): claim -> do it -> done; a failed attempt releases the claim for the next run, and a claim
left behind by a crashed run can be taken again once its lease has run out. A claim may also carry a retry
marker, kept until the side effect is done, so that a later run finds what is still owed with one Query.

Takes a boto3 DynamoDB client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import (
    Transaction,
    call_with_retries,
    commit,
    from_item,
    is_condition_failure,
    partition,
    set_attributes,
    to_item,
    written_if_condition_holds,
)
from chalicelib.ports import LEASE, Facts

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

KEPT = timedelta(days=60)
"""How long a claim record is kept (TTL) after it was claimed or done: longer than any run looks back."""


@dataclass(eq=False)
class DynamoClaims:
    """Claims side effects so each happens once."""

    client: DynamoDBClient
    table_name: str
    attempts: int = 3

    def claim(self, scope: str, name: str, now: datetime, lease: timedelta = LEASE, retry: Facts | None = None) -> bool:
        """Take (scope, name) for this run; False if it was done or another run holds it. With `retry`, a
        marker holding those facts is written with the claim and stays until `done`."""
        record = keys.claim_key(scope, name) | {
            "kind": "claim",
            "status": "claimed",
            "claimed_at": keys.sortable_time(now),
            keys.TTL_ATTR: keys.expires(now + KEPT),
        }
        condition = "attribute_not_exists(pk) OR (#status = :claimed AND claimed_at < :stale)"
        names = {"#status": "status"}
        stale = keys.sortable_time(now - lease)
        if retry is None:
            return written_if_condition_holds(
                self.client.put_item,
                self.attempts,
                TableName=self.table_name,
                Item=to_item(record),
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item({":claimed": "claimed", ":stale": stale}),
            )
        transaction = Transaction(self.table_name)
        transaction.put(record, condition, names=names, claimed="claimed", stale=stale)
        transaction.put(keys.retry_marker(scope, name, retry))
        try:
            commit(self.client, transaction, self.attempts)
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def done(self, scope: str, name: str, now: datetime, facts: Mapping[str, object] | None = None) -> None:
        """Record that the side effect happened (and drop its retry marker, if any): one transaction, sent again
        on a conflict with the same token."""
        record = keys.claim_key(scope, name) | {
            "kind": "claim",
            "status": "sent",
            "sent_at": keys.sortable_time(now),
            keys.TTL_ATTR: keys.expires(now + KEPT),
        }
        transaction = Transaction(self.table_name)
        transaction.put(record | dict(facts or {}))
        transaction.delete(keys.retry_key(scope, name))
        commit(self.client, transaction, self.attempts)

    def release(self, scope: str, name: str, retry: Facts | None = None) -> None:
        """Give up a claim after a failed attempt, so the next run tries again (a retry marker stays; with `retry`,
        those facts are set on it, one conditional UpdateItem that never brings back a marker already gone)."""
        if retry:
            self._add_facts(scope, name, retry)
        written_if_condition_holds(  # a claim already done stays done
            self.client.delete_item,
            self.attempts,
            TableName=self.table_name,
            Key=to_item(keys.claim_key(scope, name)),
            ConditionExpression="#status = :claimed",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=to_item({":claimed": "claimed"}),
        )

    def _add_facts(self, scope: str, name: str, facts: Facts) -> None:
        attributes = keys.retry_facts(facts)
        if not attributes:
            return
        written_if_condition_holds(  # a marker already gone is not brought back
            self.client.update_item,
            self.attempts,
            TableName=self.table_name,
            Key=to_item(keys.retry_key(scope, name)),
            ConditionExpression="attribute_exists(pk)",
            **set_attributes(attributes),
        )

    def forget(self, scope: str, name: str) -> None:
        """Drop a retry marker whose side effect turned out to be owed no longer."""
        call_with_retries(
            self.client.delete_item, self.attempts, TableName=self.table_name, Key=to_item(keys.retry_key(scope, name))
        )

    def happened(self, scope: str, name: str) -> bool:
        """Whether the side effect is recorded as done (a consistent read)."""
        response = call_with_retries(
            self.client.get_item,
            self.attempts,
            TableName=self.table_name,
            Key=to_item(keys.claim_key(scope, name)),
            ConsistentRead=True,
            ProjectionExpression="#status",
            ExpressionAttributeNames={"#status": "status"},
        )
        item = response.get("Item")
        return item is not None and from_item(item).get("status") == "sent"

    def owed(self) -> list[dict[str, str]]:
        """The facts of every retry marker: side effects claimed but not yet done."""
        markers = partition(self.client, self.table_name, keys.RETRY_PK, self.attempts)
        return [keys.owed_facts(marker) for marker in markers]
