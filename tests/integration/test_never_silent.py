"""Never silent on moto: a complaint DynamoDB holds but the model cannot read is quarantined in the table (reason,
backoff in the due index) and the operator hears of it once through the real ops topic, while the others get their
notices."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import to_item
from infra.definitions import LocalResources
from tests.conftest import World
from tests.integration.helpers import notices, subscribe
from tests.integration.seeding import seed

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 17, 10, 40, tzinfo=SHANGHAI)
PLENTY = 600.0


def stored(world: World, complaint_id: str) -> dict[str, Any]:
    client = boto3.client("dynamodb", region_name="us-east-1")
    item = client.get_item(TableName=world.services.settings.table_name, Key=to_item(keys.complaint_key(complaint_id)))
    return dict(item["Item"])


@pytest.fixture
def ops(aws: LocalResources) -> str:
    return subscribe(aws.topics["OpsTopic"], "ops")


def test_an_unreadable_complaint_is_quarantined_in_the_table_and_told_once_through_the_ops_topic(
    world: World, alerts: str, ops: str
) -> None:
    poison, *others = seed(world, NOW, open_count=5, due_count=5)
    boto3.client("dynamodb", region_name="us-east-1").update_item(
        TableName=world.services.settings.table_name,
        Key=to_item(keys.complaint_key(poison)),
        UpdateExpression="SET clocks = :broken",
        ExpressionAttributeValues=to_item({":broken": "{not json"}),
    )
    scanner = world.services.scanner
    report = scanner.run(NOW, lambda: PLENTY)
    assert (report.claimed, report.quarantined) == (4, 1)
    assert {n["complaint_id"] for n in notices(alerts)} == set(others)
    told = notices(ops)
    assert [(n["kind"], n["topic"], n["complaint_id"]) for n in told] == [("operator", "quarantine", poison)]
    assert "malformed JSON" in told[0]["summary"]
    assert told[0]["subject"] == f"[投诉时限] 投诉 {poison[:8]} 无法计算时限，已隔离"  # the policy's language
    item = stored(world, poison)
    assert item["quarantine"]["M"]["attempts"]["N"] == "1"
    assert item["next_due"]["S"] == keys.sortable_time(NOW + timedelta(minutes=5))
    assert scanner.run(NOW + timedelta(minutes=2), lambda: PLENTY).quarantined == 0  # not due again yet
    assert scanner.run(NOW + timedelta(minutes=5), lambda: PLENTY).quarantined == 1
    assert stored(world, poison)["next_due"]["S"] == keys.sortable_time(NOW + timedelta(minutes=20))
    assert notices(ops) == []
