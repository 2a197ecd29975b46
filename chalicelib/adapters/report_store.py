"""The report store on DynamoDB: a month's counter rows (summed over their shards; an item that counts for several
rows, `all#all+category#service+...`, added to each) in one or two Queries, and a replacement of the month's rows
after a rebuild. Takes a boto3 client (the `ReportStore` port)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import CELL_JOIN, call_with_retries, partition, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

_NOT_COUNTERS = {keys.TABLE_PK, keys.TABLE_SK, "kind"}


@dataclass(eq=False)
class DynamoReportStore:
    """Reads and replaces monthly report rows."""

    client: DynamoDBClient
    table_name: str
    attempts: int = 3

    def _items(self, month: str) -> Iterator[dict[str, Any]]:
        return partition(self.client, self.table_name, keys.report_pk(month), self.attempts)

    def rows(self, month: str) -> dict[str, dict[str, int]]:
        """Row name -> counters, every shard added up."""
        rows: dict[str, dict[str, int]] = {}
        for item in self._items(month):
            for row in str(item[keys.TABLE_SK]).rsplit("#", 1)[0].split(CELL_JOIN):
                totals = rows.setdefault(row, {})
                for name, value in item.items():
                    if name not in _NOT_COUNTERS:
                        totals[name] = totals.get(name, 0) + int(value)
        return rows

    def replace(self, month: str, rows: Mapping[str, Mapping[str, int]]) -> None:
        """Replace the month's rows with `rows` (each in shard 0)."""
        requests: list[dict[str, Any]] = [
            {
                "DeleteRequest": {
                    "Key": to_item({keys.TABLE_PK: item[keys.TABLE_PK], keys.TABLE_SK: item[keys.TABLE_SK]})
                }
            }
            for item in self._items(month)
        ]
        deletes = {request["DeleteRequest"]["Key"][keys.TABLE_SK]["S"] for request in requests}
        puts = []
        for row, counters in rows.items():
            key = keys.report_key(month, row, 0)
            puts.append({"PutRequest": {"Item": to_item(key | {"kind": "report", **counters})}})
            if key[keys.TABLE_SK] in deletes:
                requests = [r for r in requests if r["DeleteRequest"]["Key"][keys.TABLE_SK]["S"] != key[keys.TABLE_SK]]
        requests.extend(puts)
        for start in range(0, len(requests), 25):
            pending: dict[str, Any] = {self.table_name: requests[start : start + 25]}
            while pending:
                response = call_with_retries(self.client.batch_write_item, self.attempts, RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}
