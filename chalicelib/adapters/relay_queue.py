"""The relay's queue (the `RelayQueue` port): hold a message that failed for some channel out of sight for its backoff
(ChangeMessageVisibility), so the retry comes later rather than at the queue's fixed visibility timeout. Takes a
boto3 SQS client. A failure is logged, never raised: the message then reappears after the visibility timeout."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

log = logging.getLogger(__name__)
MAX_VISIBILITY = 12 * 60 * 60  # SQS's limit


@dataclass(eq=False)
class SqsRelayQueue:
    """Changes the visibility of received relay messages."""

    client: SQSClient
    queue_url: str

    def delay(self, delays: Mapping[str, int]) -> None:
        """Hide each message (receipt handle -> seconds) for its delay."""
        for receipt, seconds in delays.items():
            try:
                self.client.change_message_visibility(
                    QueueUrl=self.queue_url,
                    ReceiptHandle=receipt,
                    VisibilityTimeout=max(0, min(seconds, MAX_VISIBILITY)),
                )
            except (ClientError, BotoCoreError) as exc:
                log.warning("relay message not delayed: %s", type(exc).__name__)
