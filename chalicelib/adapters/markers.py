"""Markers: small named values the scheduled jobs keep between runs (e.g. which calendar years were confirmed
when open complaints were last recomputed). One GetItem to read, one PutItem to write. Takes a boto3 client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import call_with_retries, from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


@dataclass(eq=False)
class DynamoMarkers:
    """Reads and writes named markers."""

    client: DynamoDBClient
    table_name: str
    attempts: int = 3

    def get(self, name: str) -> str | None:
        """The marker's value, or None if it was never set."""
        response = call_with_retries(
            self.client.get_item,
            self.attempts,
            TableName=self.table_name,
            Key=to_item(keys.marker_key(name)),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return None if item is None else str(from_item(item)["value"])

    def put(self, name: str, value: str) -> None:
        """Set the marker."""
        item = keys.marker_key(name) | {"kind": "marker", "value": value}
        call_with_retries(self.client.put_item, self.attempts, TableName=self.table_name, Item=to_item(item))
