"""Webhook signatures: a signed source's raw body + headers + its secrets -> verified, or `Unauthorized` saying
why (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature; HMAC-SHA256; +-5 minutes; several
secrets at once for rotation), checked with the `standardwebhooks` package."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from chalicelib.domain.errors import Unauthorized

REQUIRED = ("webhook-id", "webhook-timestamp", "webhook-signature")


def verify_signature(secrets: Sequence[str], body: bytes, headers: Mapping[str, str]) -> None:
    """Accept the delivery if any of the source's secrets signed it; otherwise say why not."""
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    missing = [name for name in REQUIRED if not headers.get(name)]
    if missing:
        raise Unauthorized(f"This source requires a signed delivery; missing header(s): {', '.join(missing)}.")
    if not secrets:
        raise Unauthorized("This source has no signing secret configured, so no delivery can be verified.")
    signed = {name: headers[name] for name in REQUIRED}
    reason = "no signature matches"
    for secret in secrets:
        try:
            Webhook(secret).verify(body, signed, json_parse=False)
        except WebhookVerificationError as exc:
            text = str(exc)
            if "timestamp" in text.lower() or "header" in text.lower():
                reason = {
                    "Message timestamp too old": "the webhook-timestamp is more than 5 minutes old",
                    "Message timestamp too new": "the webhook-timestamp is more than 5 minutes ahead",
                }.get(text, "the webhook-timestamp is not a Unix time")
                break
        except (ValueError, UnicodeDecodeError):
            reason = "the webhook-signature header is malformed"
        else:
            return
    raise Unauthorized(f"The webhook signature does not verify: {reason}.")
