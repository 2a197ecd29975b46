"""Digest store: notices an audience received in a window (the by_audience index), their complaints
(BatchGetItem), and one claim record per (audience, window) so a digest is sent once. Takes a boto3 client."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib import keys
from chalicelib.adapters.dynamo import call_with_retries, complaint_from, error_code, from_item, to_item
from chalicelib.domain.model import Complaint
from chalicelib.domain.notices import Notice

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

BATCH_GET_LIMIT = 100


class DigestStore:
    """Reads what a digest reports and records which digests went out."""

    def __init__(self, client: DynamoDBClient, table_name: str, attempts: int = 3) -> None:
        self._client = client
        self._table = table_name
        self._attempts = attempts

    def notices_for(self, audience: str, since: datetime, until: datetime) -> list[Notice]:
        """Notices for `audience` detected in [since, until), oldest first."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": keys.AUDIENCE_INDEX,
            "KeyConditionExpression": "audience = :audience AND detected_key BETWEEN :since AND :until",
            "ExpressionAttributeValues": to_item(
                {":audience": audience, ":since": keys.due_value(since), ":until": keys.due_value(until)}
            ),
        }
        found: list[Notice] = []
        while True:
            page = call_with_retries(self._client.query, self._attempts, **kwargs)
            for item in page.get("Items", []):
                values = from_item(item)
                if values[keys.DETECTED_KEY_ATTR] < keys.due_value(until):
                    found.append(Notice.model_validate(values))
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def complaints(self, ids: Iterable[str]) -> dict[str, Complaint]:
        """The complaints with these ids (BatchGetItem, 100 a request, unprocessed keys retried)."""
        wanted = sorted(set(ids))
        found: dict[str, Complaint] = {}
        for start in range(0, len(wanted), BATCH_GET_LIMIT):
            request: dict[str, Any] = {
                self._table: {"Keys": [to_item(keys.complaint_key(i)) for i in wanted[start : start + BATCH_GET_LIMIT]]}
            }
            for _ in range(self._attempts + 2):
                response = call_with_retries(self._client.batch_get_item, self._attempts, RequestItems=request)
                for item in response.get("Responses", {}).get(self._table, []):
                    complaint = complaint_from(from_item(item))
                    found[complaint.id] = complaint
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
        return found

    def claim(self, audience: str, window: str, now: datetime, lease_seconds: int = 300) -> bool:
        """Claim the digest (audience, window) for this run; False if it was sent or is being sent."""
        stale = keys.due_value(datetime.fromtimestamp(now.timestamp() - lease_seconds, tz=now.tzinfo))
        try:
            call_with_retries(
                self._client.put_item,
                self._attempts,
                TableName=self._table,
                Item=to_item(
                    keys.digest_key(audience, window)
                    | {"kind": "digest", "status": "claimed", "claimed_at": keys.due_value(now)}
                ),
                ConditionExpression="attribute_not_exists(pk) OR (#status = :claimed AND claimed_at < :stale)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item({":claimed": "claimed", ":stale": stale}),
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def mark_sent(self, audience: str, window: str, message_id: str, entries: int, now: datetime) -> None:
        """Record that the digest went out."""
        call_with_retries(
            self._client.put_item,
            self._attempts,
            TableName=self._table,
            Item=to_item(
                keys.digest_key(audience, window)
                | {
                    "kind": "digest",
                    "status": "sent",
                    "sent_at": keys.due_value(now),
                    "message_id": message_id,
                    "entries": entries,
                }
            ),
        )

    def release(self, audience: str, window: str) -> None:
        """Give up a claim after a failed send, so the next run retries."""
        try:
            call_with_retries(
                self._client.delete_item,
                self._attempts,
                TableName=self._table,
                Key=to_item(keys.digest_key(audience, window)),
                ConditionExpression="#status = :claimed",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item({":claimed": "claimed"}),
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
