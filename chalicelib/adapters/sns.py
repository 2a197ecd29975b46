"""SNS notifiers: notices -> PublishBatch (10 a call) on the alerts topic, one message per protocol
(MessageStructure=json: `default` the JSON notice, `email` readable text, `sms` one segment, the Subject in words,
in the policy's language), saying which were delivered; operator notices -> Publish on the ops topic.

Takes a boto3 SNS client (the `Notifier` and `OpsNotifier` ports). A failed entry or a failed call is reported,
never raised: the notice stays pending and a later run retries it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.notice_texts import render
from chalicelib.domain.notices import Notice, RollUp
from chalicelib.domain.operator import OperatorNotice
from chalicelib.domain.words import DEFAULT_LANGUAGE, Language
from chalicelib.ports import Delivery

if TYPE_CHECKING:
    from mypy_boto3_sns.client import SNSClient

BATCH_LIMIT = 10
log = logging.getLogger(__name__)


@dataclass(eq=False)
class SnsNotifier:
    """Publishes notices to one topic, with message attributes for subscription filter policies."""

    client: SNSClient
    topic_arn: str
    language: Language = DEFAULT_LANGUAGE

    def entry(self, notice: Notice) -> dict[str, Any]:
        """One PublishBatch entry (without its Id): a message per protocol, the Subject, the attributes."""
        texts = render(notice, self.language)
        message = {
            "default": json.dumps(notice.message(), ensure_ascii=False),
            "email": texts.email,
            "sms": texts.sms,
        }
        return {
            "Subject": texts.subject,
            "Message": json.dumps(message, ensure_ascii=False),
            "MessageStructure": "json",
            "MessageAttributes": {
                name: {"DataType": "String", "StringValue": value} for name, value in notice.attributes().items()
            },
        }

    def publish(self, notices: Sequence[Notice]) -> Delivery:
        """Publish every notice; says which were delivered and which not (a failure is reported, never raised)."""
        delivered: set[str] = set()
        failed: set[str] = set()
        for start in range(0, len(notices), BATCH_LIMIT):
            batch = notices[start : start + BATCH_LIMIT]
            entries = [{"Id": f"n{index}", **self.entry(notice)} for index, notice in enumerate(batch)]
            try:
                response = self.client.publish_batch(
                    TopicArn=self.topic_arn,
                    PublishBatchRequestEntries=entries,  # type: ignore[arg-type]
                )
            except (ClientError, BotoCoreError) as exc:
                log.warning("publish failed for %d notices: %s", len(batch), type(exc).__name__)
                failed.update(notice.notice_id for notice in batch)
                continue
            for success in response.get("Successful", []):
                delivered.add(batch[int(success["Id"][1:])].notice_id)
            for failure in response.get("Failed", []):
                log.warning("publish refused: %s", failure.get("Code"))
                failed.add(batch[int(failure["Id"][1:])].notice_id)
        return Delivery(frozenset(delivered), frozenset(failed))

    def publish_rollup(self, rollup: RollUp) -> bool:
        """Publish one roll-up; its level, clock, category and priority attributes are lists (String.Array), so a
        subscription whose filter matches any notice it counts receives it."""
        attributes: dict[str, Any] = {}
        for name, value in rollup.attributes().items():
            if isinstance(value, list):
                if value:
                    attributes[name] = {"DataType": "String.Array", "StringValue": json.dumps(value)}
            else:
                attributes[name] = {"DataType": "String", "StringValue": value}
        try:
            self.client.publish(
                TopicArn=self.topic_arn,
                Subject=rollup.subject,
                Message=json.dumps(
                    {
                        "default": json.dumps(rollup.message(), ensure_ascii=False),
                        "email": "\n".join([rollup.summary, "", *rollup.complaint_ids]),
                        "sms": rollup.subject,
                    },
                    ensure_ascii=False,
                ),
                MessageStructure="json",
                MessageAttributes=attributes,
            )
        except (ClientError, BotoCoreError) as exc:
            log.warning("roll-up %s not published: %s", rollup.rollup_id, type(exc).__name__)
            return False
        return True


@dataclass(eq=False)
class SnsOpsNotifier:
    """Publishes operator notices to the ops topic (the topic CloudWatch alarms also publish to)."""

    client: SNSClient
    topic_arn: str

    def publish(self, notice: OperatorNotice) -> bool:
        """Publish one operator notice; False (logged) when SNS did not take it, so the caller can retry."""
        try:
            self.client.publish(
                TopicArn=self.topic_arn,
                Subject=notice.subject[:99],
                Message=json.dumps(notice.message(), ensure_ascii=False),
                MessageAttributes={
                    name: {"DataType": "String", "StringValue": value} for name, value in notice.attributes().items()
                },
            )
        except (ClientError, BotoCoreError) as exc:
            log.warning("operator notice %s not published: %s", notice.notice_id, type(exc).__name__)
            return False
        return True
