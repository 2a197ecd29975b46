"""The deployable resources (infra/resources.yaml) -> the same table, topics and queues on an emulator.

The local stack and the tests call `create_resources` against moto, so the table and its indexes, the
topics and any queues exist exactly as the CloudFormation template defines them; each is named after
its logical id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).with_name("resources.yaml")
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
    for logical_id in resources_of_type("AWS::SQS::Queue"):
        made.queues[logical_id] = sqs.create_queue(QueueName=logical_id)["QueueUrl"]
    ses = session.client("ses", endpoint_url=endpoint_url, region_name=region)
    for sender in (template()["Parameters"]["DigestSender"]["Default"],):
        ses.verify_email_identity(EmailAddress=sender)
    return made
