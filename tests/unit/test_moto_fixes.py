"""The moto fixes change speed, not semantics: an item over the 400 KB limit is still refused, whether set at once
or grown attribute by attribute, and an index query still answers in key order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from infra import moto_fixes
from infra.definitions import create_resources

moto_fixes.apply()


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        create_resources(boto3.Session(region_name="us-east-1"))
        yield boto3.client("dynamodb", region_name="us-east-1")


def test_an_item_over_400_kb_is_still_refused_at_once_and_when_grown(table: Any) -> None:
    big = {"pk": {"S": "big"}, "sk": {"S": "C"}, "blob": {"S": "x" * 410_000}}
    with pytest.raises(ClientError, match="Item size has exceeded the maximum allowed size"):
        table.put_item(TableName="ComplaintsTable", Item=big)
    table.put_item(TableName="ComplaintsTable", Item={"pk": {"S": "grown"}, "sk": {"S": "C"}})
    for part in range(3):
        table.update_item(
            TableName="ComplaintsTable",
            Key={"pk": {"S": "grown"}, "sk": {"S": "C"}},
            UpdateExpression=f"SET part{part} = :blob",
            ExpressionAttributeValues={":blob": {"S": "y" * 130_000}},
        )
    with pytest.raises(ClientError, match="Item size to update has exceeded the maximum allowed size"):
        table.update_item(
            TableName="ComplaintsTable",
            Key={"pk": {"S": "grown"}, "sk": {"S": "C"}},
            UpdateExpression="SET part3 = :blob",
            ExpressionAttributeValues={":blob": {"S": "y" * 30_000}},
        )


def test_an_index_query_answers_in_sort_key_order(table: Any) -> None:
    for number in (5, 1, 4, 2, 3):
        item = {"pk": {"S": f"C#{number}"}, "sk": {"S": "C"}, "due_shard": {"S": "S0"}, "next_due": {"S": f"T{number}"}}
        table.put_item(TableName="ComplaintsTable", Item=item)
    found = table.query(
        TableName="ComplaintsTable",
        IndexName="due",
        KeyConditionExpression="due_shard = :shard",
        ExpressionAttributeValues={":shard": {"S": "S0"}},
    )["Items"]
    assert [item["next_due"]["S"] for item in found] == ["T1", "T2", "T3", "T4", "T5"]
