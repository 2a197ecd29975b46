"""The notice log on DynamoDB: notices an audience received in a window (the by_audience index, keys only, then
the notices themselves) and their complaints (BatchGetItem; an item that cannot be read is left out and logged,
never stops the others). Takes a boto3 client (the `NoticeLog` port)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import batch_get, complaint_from, from_item, query_pages, to_item
from chalicelib.domain.model import Complaint
from chalicelib.domain.notices import Notice
from chalicelib.ports import UnreadableComplaint

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

log = logging.getLogger(__name__)


@dataclass(eq=False)
class DynamoNoticeLog:
    """Reads what a digest reports."""

    client: DynamoDBClient
    table_name: str
    attempts: int = 3

    def notices_for(self, audience: str, since: datetime, until: datetime) -> list[Notice]:
        """Notices for `audience` detected in [since, until), oldest first."""
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": keys.AUDIENCE_INDEX,
            "KeyConditionExpression": "audience = :audience AND detected_key BETWEEN :since AND :until",
            "ExpressionAttributeValues": to_item(
                {":audience": audience, ":since": keys.sortable_time(since), ":until": keys.sortable_time(until)}
            ),
        }
        found: list[Notice] = []
        for page in query_pages(self.client, self.attempts, **kwargs):
            for item in batch_get(self.client, self.table_name, page, self.attempts, consistent=False):
                values = from_item(item)
                if values[keys.DETECTED_KEY_ATTR] < keys.sortable_time(until):
                    found.append(Notice.model_validate(values))
        return found

    def complaints(self, ids: Sequence[str]) -> dict[str, Complaint]:
        """The complaints with these ids (`batch_get`: 100 a request, unprocessed keys asked again)."""
        wanted = [to_item(keys.complaint_key(complaint_id)) for complaint_id in sorted(set(ids))]
        found: dict[str, Complaint] = {}
        for item in batch_get(self.client, self.table_name, wanted, self.attempts, consistent=False):
            try:
                complaint = complaint_from(from_item(item))
            except UnreadableComplaint as exc:  # quarantined by the scanner; the digest goes on
                log.warning("complaint %s left out of a digest: %s", exc.complaint_id, exc.reason)
                continue
            found[complaint.id] = complaint
        return found
