"""Test helpers: posting complaints and staff events, reading a trail and a 422's field errors, subscribing a
filtered SQS queue to the alerts topic, reading notices."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import boto3

from tests.conftest import STAFF
from tests.intake import URGENT, relay


def post(api: Any, received_at: datetime, **fields: Any) -> str:
    """A complaint received at `received_at`, through the signed relay (the public form may not say when)."""
    payload = {**URGENT, **fields, "received_at": received_at.isoformat()}
    response = relay(api, payload)
    assert response.status_code == 201, response.body
    complaint_id: str = json.loads(response.body)["id"]
    return complaint_id


def event(
    api: Any,
    complaint_id: str,
    body: dict[str, Any],
    token: dict[str, str] = STAFF,
    headers: dict[str, str] | None = None,
) -> Any:
    """A staff event posted as JSON with `token` (li.lei's by default): the raw response."""
    return api.http.post(
        f"/complaints/{complaint_id}/events",
        headers={"Content-Type": "application/json", **token, **(headers or {})},
        body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
    )


def trail(api: Any, complaint_id: str) -> list[dict[str, Any]]:
    """The complaint's audit trail as the API answers it (checked against its documented model)."""
    from chalicelib.views import AuditTrail

    response = api.http.get(f"/complaints/{complaint_id}/events", headers=STAFF)
    assert response.status_code == 200, response.body
    body = json.loads(response.body)
    AuditTrail.model_validate(body)
    items: list[dict[str, Any]] = body["items"]
    return items


def errors_of(response: Any) -> dict[str, str]:
    """A 422's field errors: field -> message."""
    assert response.status_code == 422, response.body
    return {error["field"]: error["message"] for error in json.loads(response.body)["errors"]}


def subscribe(topic_arn: str, name: str, filter_policy: dict[str, Any] | None = None) -> str:
    """An SQS queue subscribed to the topic (raw delivery off: the SNS envelope keeps Subject and attributes)."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    sns = boto3.client("sns", region_name="us-east-1")
    url: str = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    attributes = {"FilterPolicy": json.dumps(filter_policy)} if filter_policy else {}
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes=attributes)
    return url


def received(url: str) -> list[dict[str, Any]]:
    """Every SNS envelope waiting in the queue (drained)."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    envelopes: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        messages = got.get("Messages", [])
        if not messages:
            return envelopes
        for message in messages:
            envelopes.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def notices(url: str) -> list[dict[str, Any]]:
    """The notice bodies waiting in the queue (drained)."""
    return [json.loads(envelope["Message"]) for envelope in received(url)]


def minutes_ago(now: datetime, minutes: float) -> datetime:
    return now - timedelta(minutes=minutes)


def invoke(api: Any, name: str) -> None:
    """Run a scheduled function through chalice.test.Client, as EventBridge would, with a CloudWatch event."""
    resource = f"arn:aws:events:us-east-1:123456789012:rule/{name}"
    event = api.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[resource]
    )
    api.lambda_.invoke(name, event)
