"""The deployable resources (infra/resources.yaml) -> the same table, topics and queues on an emulator.

The local stack and the tests call `create_resources` against moto, so the table and its indexes, the
topics, the queues (visibility timeout, retention, redrive to their dead-letter queue) and the unconditional
SQS subscriptions (the relay's, raw) exist exactly as the CloudFormation template defines them; each is named
after its logical id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).with_name("resources.yaml")
_QUEUE_ATTRIBUTES = ("VisibilityTimeout", "MessageRetentionPeriod")
_TABLE_PROPERTIES = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "BillingMode",
    "DeletionProtectionEnabled",
)


@lru_cache(maxsize=1)
def template() -> dict[str, Any]:
    """The merge template as a dict."""
    loaded: dict[str, Any] = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    return loaded


def resources_of_type(kind: str) -> dict[str, dict[str, Any]]:
    """Logical id -> properties of every resource of a CloudFormation type."""
    return {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in template()["Resources"].items()
        if resource["Type"] == kind
    }


def table_request(logical_id: str) -> dict[str, Any]:
    """The CreateTable request for a table of the template."""
    properties = resources_of_type("AWS::DynamoDB::Table")[logical_id]
    request = {name: properties[name] for name in _TABLE_PROPERTIES if name in properties}
    request["TableName"] = logical_id
    return request


@dataclass
class LocalResources:
    """Names and ARNs of what `create_resources` made."""

    tables: dict[str, str] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        """The variables the app reads, pointing at these resources."""
        return {
            "TABLE_NAME": self.tables["ComplaintsTable"],
            "ALERTS_TOPIC_ARN": self.topics["AlertsTopic"],
            "OPS_TOPIC_ARN": self.topics["OpsTopic"],
            "RELAY_QUEUE_URL": self.queues["RelayQueue"],
            "TIMER_QUEUE_URL": self.queues["TimerQueue"],
        }


def create_resources(session: Any, endpoint_url: str | None = None, region: str = "us-east-1") -> LocalResources:
    """Create every table, topic and queue of the template through `session` (a boto3 Session)."""
    made = LocalResources()
    dynamodb = session.client("dynamodb", endpoint_url=endpoint_url, region_name=region)
    for logical_id, properties in resources_of_type("AWS::DynamoDB::Table").items():
        dynamodb.create_table(**table_request(logical_id))
        if "TimeToLiveSpecification" in properties:
            dynamodb.update_time_to_live(
                TableName=logical_id, TimeToLiveSpecification=properties["TimeToLiveSpecification"]
            )
        made.tables[logical_id] = logical_id
    sns = session.client("sns", endpoint_url=endpoint_url, region_name=region)
    for logical_id in resources_of_type("AWS::SNS::Topic"):
        made.topics[logical_id] = sns.create_topic(Name=logical_id)["TopicArn"]
    sqs = session.client("sqs", endpoint_url=endpoint_url, region_name=region)
    queues = resources_of_type("AWS::SQS::Queue")
    arns: dict[str, str] = {}
    for logical_id in queues:
        made.queues[logical_id] = url = sqs.create_queue(QueueName=logical_id)["QueueUrl"]
        arns[logical_id] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for logical_id, properties in queues.items():
        attributes = {name: str(properties[name]) for name in _QUEUE_ATTRIBUTES if name in properties}
        if "RedrivePolicy" in properties:
            redrive = properties["RedrivePolicy"]
            target = arns[redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]]
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": target, "maxReceiveCount": redrive["maxReceiveCount"]}
            )
        if attributes:
            sqs.set_queue_attributes(QueueUrl=made.queues[logical_id], Attributes=attributes)
    for logical_id, properties in resources_of_type("AWS::SNS::Subscription").items():
        if "Condition" in template()["Resources"][logical_id] or properties["Protocol"] != "sqs":
            continue  # conditional subscriptions (an email given as a stack parameter) are not the emulator's
        subscription: dict[str, str] = {}
        if properties.get("RawMessageDelivery"):
            subscription["RawMessageDelivery"] = "true"
        if "FilterPolicy" in properties:
            subscription["FilterPolicy"] = json.dumps(properties["FilterPolicy"])
        sns.subscribe(
            TopicArn=made.topics[properties["TopicArn"]["Ref"]],
            Protocol="sqs",
            Endpoint=arns[properties["Endpoint"]["Fn::GetAtt"][0]],
            Attributes=subscription,
        )
    ses = session.client("ses", endpoint_url=endpoint_url, region_name=region)
    for sender in (template()["Parameters"]["DigestSender"]["Default"],):
        ses.verify_email_identity(EmailAddress=sender)
    return made
