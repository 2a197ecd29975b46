"""Posting complaints as the tests need them. The public form (`POST /complaints`) may not set a priority, a
complexity, a tier or the time of receipt; a test that needs those posts through the signed `relay` source, as a
trusted system would (Standard Webhooks, signed with RELAY_SECRET, which the tests' settings configure)."""

from __future__ import annotations

import base64
import json
from typing import Any

from infra.relay_post import signed_headers

RELAY_SECRET = "whsec_" + base64.b64encode(b"relay-secret-of-the-test-suite!!").decode()
PSEUDONYM_KEY = "pseudonym-key-of-the-test-suite-0123456789"
URGENT: dict[str, Any] = {
    "customer_name": "张三",
    "customer_email": "zhang.san@example.com",
    "customer_phone": "13800138000",
    "category": "service",
    "priority": "urgent",
    "subject": "客服没有回电话",
}
"""An urgent service complaint as a signed source sends it (the public form may not set a priority)."""
PUBLIC_FIELDS = ("customer_name", "customer_email", "customer_phone", "category", "subject", "description")


def relay_headers(body: str, message_id: str | None = None) -> dict[str, str]:
    """The headers of a Standard Webhooks delivery of `body` to the `relay` source, signed now (as
    `python -m infra.relay_post` signs it)."""
    return signed_headers(body, RELAY_SECRET, message_id)


def relay(api: Any, payload: dict[str, Any], message_id: str | None = None, **headers: str) -> Any:
    """POST /webhooks/relay through chalice.test.Client, signed: the response."""
    body = json.dumps(payload, ensure_ascii=False)
    return api.http.post(
        "/webhooks/relay", headers={**relay_headers(body, message_id), **headers}, body=body.encode("utf-8")
    )


def public(payload: dict[str, Any]) -> dict[str, Any]:
    """Only what the public form may set."""
    return {name: value for name, value in payload.items() if name in PUBLIC_FIELDS or name == "customer"}
