"""Erasure on DynamoDB (moto): after POST /complaints/{id}/erase, a scan of the whole table finds none of the
customer's details in any item — complaint, audit events, notices, idempotency records, report rows, digest
claims — while another customer's complaint keeps all of theirs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from chalicelib.adapters.dynamo import from_item, unpacked
from tests.api.test_erasure import CUSTOMER, DESCRIPTION, DETAILS, erase
from tests.conftest import World
from tests.intake import relay
from tests.integration.helpers import event, invoke

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # Monday 11:00 in Shanghai: the office is open, digests go out
OTHER = {"customer_name": "司马光", "customer_email": "sima.guang@example.com", "customer_phone": "13500001111"}


def table_text(world: World) -> str:
    """Every item of the table as text, a complaint's packed record opened."""
    assert world.resources is not None
    client = boto3.client("dynamodb", region_name="us-east-1")
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=world.resources.tables["ComplaintsTable"]):
        items.extend(page["Items"])
    assert items
    opened = [unpacked(from_item(item)) if "record" in item else item for item in items]
    return json.dumps(opened, ensure_ascii=False, default=str)


def complaint(world: World, api: Any, customer: dict[str, str], key: str) -> str:
    world.at(NOW - timedelta(minutes=45))
    payload = {
        **customer,
        "category": "product_quality",
        "priority": "urgent",
        "subject": f"{customer['customer_name']}的包裹丢了",
        "description": DESCRIPTION if customer is CUSTOMER else "别的客户的描述",
        "received_at": (NOW - timedelta(minutes=45)).isoformat(),
        "external_id": f"sub-{key}",
    }
    response = relay(api, payload, **{"Idempotency-Key": key})
    assert response.status_code == 201, response.body
    complaint_id: str = json.loads(response.body)["id"]
    world.at(NOW)
    note = {"type": "note", "note": f"回电给{customer['customer_name']} ({customer['customer_phone']})"}
    assert event(api, complaint_id, note).status_code == 200
    return complaint_id


def test_after_an_erasure_no_item_in_the_table_holds_the_customers_details(world: World, api: Any) -> None:
    erased = complaint(world, api, CUSTOMER, "k-erased")
    kept = complaint(world, api, OTHER, "k-kept")
    invoke(api, "scan_due")
    assert event(api, erased, {"type": "satisfaction", "score": 1}).status_code == 409  # not closed: no survey
    world.at(NOW + timedelta(hours=1))
    invoke(api, "scan_due")
    invoke(api, "send_digests")
    text = table_text(world)
    assert [detail for detail in DETAILS if detail in text] == list(DETAILS)
    response = erase(api, erased, "客户要求删除个人信息 (PIPL 第47条)")
    assert response.status_code == 200, response.body
    text = table_text(world)
    assert [detail for detail in DETAILS if detail in text] == []
    assert all(detail in text for detail in OTHER.values())
    assert erased in text  # the anonymous record stays
    assert kept in text
