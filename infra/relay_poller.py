"""What Lambda's SQS event source mapping does, for the local stack and the tests: receive a batch from a queue,
hand it to a function as a Lambda SQS event, then delete the messages the function did not report in
`batchItemFailures` (none when it raised: the whole batch is retried). A failed message stays in the queue,
hidden for its visibility timeout (the relay shortens or lengthens that per message), and after the queue's
maxReceiveCount receives the queue's redrive policy moves it to the dead-letter queue.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SqsHandler = Callable[[dict[str, Any], Any], Any]


@dataclass
class Polled:
    """One poll: the message ids received, those the function reported failed, and whether it raised."""

    received: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    raised: BaseException | None = None
    receipts: dict[str, str] = field(default_factory=dict)  # message id -> receipt handle


def lambda_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """SQS ReceiveMessage results -> the event Lambda hands an SQS-triggered function."""
    records = []
    for message in messages:
        body = message["Body"]
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": body,
                "attributes": dict(message.get("Attributes", {})),
                "messageAttributes": {},
                "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode()).hexdigest(),  # noqa: S324
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


def poll_once(
    sqs: Any,
    queue_url: str,
    handler: SqsHandler,
    context: Any,
    batch_size: int = 10,
    wait_seconds: int = 1,
    region: str = "us-east-1",
) -> Polled:
    """Receive up to `batch_size` messages and run `handler` on them as Lambda would."""
    got = sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=batch_size, WaitTimeSeconds=wait_seconds, AttributeNames=["All"]
    )
    messages = got.get("Messages", [])
    polled = Polled(
        received=[m["MessageId"] for m in messages], receipts={m["MessageId"]: m["ReceiptHandle"] for m in messages}
    )
    if not messages:
        return polled
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    try:
        answer = handler(lambda_event(messages, queue_arn, region), context)
    except Exception as exc:  # noqa: BLE001 - as Lambda: the batch is not deleted and comes back
        polled.raised = exc
        polled.failed = list(polled.received)
        return polled
    failures = answer.get("batchItemFailures", []) if isinstance(answer, dict) else []
    polled.failed = [str(entry.get("itemIdentifier")) for entry in failures]
    for message in messages:
        if message["MessageId"] not in polled.failed:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return polled
