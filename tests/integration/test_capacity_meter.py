"""The capacity meter `make bench`'s cost row rests on, checked against DynamoDB's documented sizing rules on the
table of infra/resources.yaml (moto reports no real consumed capacity)."""

from __future__ import annotations

from typing import Any

import boto3

from infra.capacity import CapacityMeter, item_size, value_size
from infra.definitions import LocalResources

REGION = "us-east-1"


def test_sizes_follow_the_documented_rules() -> None:
    assert value_size({"S": "张三"}) == 6  # UTF-8 bytes
    assert value_size({"N": "123.45"}) == 4  # 5 significant digits: 3 bytes, plus 1
    assert value_size({"N": "-0.0012"}) == 2
    assert value_size({"BOOL": True}) == value_size({"NULL": True}) == 1
    assert value_size({"L": [{"S": "ab"}, {"N": "1"}]}) == 3 + (2 + 1) + (2 + 1)
    assert value_size({"M": {"k": {"S": "v"}}}) == 3 + 1 + 1 + 1
    assert item_size({"pk": {"S": "C#1"}, "sk": {"S": "C"}}) == 2 + 3 + 2 + 1


def meter_on(aws: LocalResources) -> tuple[Any, CapacityMeter]:
    client = boto3.client("dynamodb", region_name=REGION)
    return client, CapacityMeter(client, boto3.client("dynamodb", region_name=REGION), aws.tables["ComplaintsTable"])


def test_a_put_costs_a_unit_per_kb_and_one_more_per_index_it_enters(aws: LocalResources) -> None:
    client, meter = meter_on(aws)
    table = aws.tables["ComplaintsTable"]
    body = "x" * 1400  # with its names and keys: between 1 and 2 KB
    client.put_item(TableName=table, Item={"pk": {"S": "C#a"}, "sk": {"S": "C"}, "body": {"S": body}})
    assert (meter.writes["PutItem"], sum(meter.index_writes.values())) == (2, 0)
    item = {"pk": {"S": "C#b"}, "sk": {"S": "C"}, "body": {"S": body}, "due_shard": {"S": "0"}, "next_due": {"S": "t"}}
    client.put_item(TableName=table, Item=item)
    assert meter.index_writes["due"] == 1  # the index projects keys only: they and 100 bytes, under 1 KB
    client.update_item(
        TableName=table,
        Key={"pk": {"S": "C#b"}, "sk": {"S": "C"}},
        UpdateExpression="SET next_due = :t",
        ExpressionAttributeValues={":t": {"S": "u"}},
    )
    assert meter.index_writes["due"] == 1 + 2  # a changed index key: the old entry deleted, the new one put
    assert meter.writes["UpdateItem"] == 2


def test_a_transaction_costs_two_units_per_kb_of_every_action(aws: LocalResources) -> None:
    client, meter = meter_on(aws)
    table = aws.tables["ComplaintsTable"]
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "C#c"}, "sk": {"S": "C"}}}},
            {"Put": {"TableName": table, "Item": {"pk": {"S": "C#c"}, "sk": {"S": "E#1"}, "x": {"S": "y" * 1500}}}},
        ]
    )
    assert meter.writes["TransactWriteItems"] == 2 + 4


def test_reads_are_charged_per_4_kb_half_when_eventually_consistent(aws: LocalResources) -> None:
    client, meter = meter_on(aws)
    table = aws.tables["ComplaintsTable"]
    for n in range(3):
        client.put_item(TableName=table, Item={"pk": {"S": "C#d"}, "sk": {"S": f"E#{n}"}, "x": {"S": "y" * 3000}})
    meter.reset()
    client.get_item(TableName=table, Key={"pk": {"S": "C#d"}, "sk": {"S": "E#0"}}, ConsistentRead=True)
    client.get_item(TableName=table, Key={"pk": {"S": "C#d"}, "sk": {"S": "E#1"}})
    assert meter.reads["GetItem"] == 1.0 + 0.5
    client.query(TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "C#d"}})
    assert meter.reads["Query"] == 1.5  # about 9 KB read: three 4 KB blocks, halved
