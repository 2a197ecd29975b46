"""Any HTTPS endpoint: the body is the JSON notice (or roll-up), signed the Standard Webhooks way (the scheme the
intake verifies): `webhook-id` = the notice id (or roll-up id), `webhook-timestamp` = Unix seconds,
`webhook-signature` =
`v1,` + base64(HMAC-SHA256(secret, f"{id}.{timestamp}.{body}")), computed by the `standardwebhooks` package.
https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md (2xx delivered;
410 gone; 429, 502 and 504 throttled, honouring Retry-After)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chalicelib.domain.channels.base import JSON_HEADERS, Answer, VendorRequest, Verdict, by_status, dumps, message_id
from chalicelib.domain.notice_texts import NoticeText

if TYPE_CHECKING:
    from chalicelib.domain.channels.base import Message


def signature(secret: str, message_id: str, moment: datetime, body: str) -> str:
    """The webhook-signature header. `Webhook.sign` takes the instant's wall time as UTC (it replaces the zone
    rather than converting), so the instant is converted to UTC first."""
    from standardwebhooks.webhooks import Webhook

    return Webhook(secret).sign(message_id, moment.astimezone(UTC), body)


def render(message: Message, texts: NoticeText, url: str, secret: str | None, now: datetime) -> VendorRequest:
    if not secret:
        raise ValueError("a webhook channel needs its signing secret (secret_env)")
    body = dumps(message.message()).decode("utf-8")
    identity = message_id(message)
    headers = {
        **JSON_HEADERS,
        "webhook-id": identity,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature(secret, identity, now, body),
    }
    return VendorRequest(url, body.encode("utf-8"), headers)


def judge(answer: Answer) -> Verdict:
    if answer.status == 410:
        return Verdict(False, "HTTP 410 (the endpoint is gone)", permanent=True)
    return by_status(answer, throttled_wait=30.0)
