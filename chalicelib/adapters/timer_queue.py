"""The timer queue on SQS (the `TimerQueue` port): one message per timer, hidden for `DelaySeconds` (the whole
seconds until its instant, rounded up, at most 900) and sent ten to a SendMessageBatch request. Takes a boto3 SQS
client. A failure is logged, never raised: the minute scan notices what a lost timer would have."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.ports import Timer

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

log = logging.getLogger(__name__)
BATCH = 10  # SendMessageBatch's limit


@dataclass(eq=False)
class SqsTimerQueue:
    """Sends delayed timer messages."""

    client: SQSClient
    queue_url: str

    def arm(self, timers: Sequence[Timer], now: datetime) -> int:
        taken = 0
        for start in range(0, len(timers), BATCH):
            entries: list[Any] = [
                {"Id": str(number), "MessageBody": timer.body(), "DelaySeconds": timer.delay(now)}
                for number, timer in enumerate(timers[start : start + BATCH])
            ]
            try:
                answer = self.client.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            except (ClientError, BotoCoreError) as exc:
                log.warning("%d timers not armed: %s; the scan covers them", len(entries), type(exc).__name__)
                continue
            failed = answer.get("Failed", [])
            if failed:
                log.warning("%d timers not armed: %s; the scan covers them", len(failed), failed[0].get("Code"))
            taken += len(answer.get("Successful", []))
        return taken
