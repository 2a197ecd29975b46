"""Webhook authentication: a source's scheme + raw body + headers + URL token + its secrets -> verified, or
`Unauthorized` saying why (never quoting a signature or a token). Several secrets at once while one is rotated.

- `standard`: Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature; HMAC-SHA256; +-5 minutes),
  checked with the `standardwebhooks` package.
- `typeform`: `Typeform-Signature: sha256=<base64 HMAC-SHA256 of the raw body>`, the secret's UTF-8 bytes as key.
- `tally`: `Tally-Signature: <base64 HMAC-SHA256 of the raw body>`, the same way.
- `token`: services that cannot sign post to a URL with `?token=<secret>` (at least 16 characters), compared in
  constant time.
- `public`: nothing to check (a browser form; CORS and a honeypot instead).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping, Sequence

from chalicelib.domain.errors import Unauthorized

REQUIRED = ("webhook-id", "webhook-timestamp", "webhook-signature")
MIN_TOKEN_LENGTH = 16
_HMAC_HEADERS = {"typeform": ("Typeform-Signature", "sha256="), "tally": ("Tally-Signature", "")}


def authenticate(
    auth: str, secrets: Sequence[str], body: bytes, headers: Mapping[str, str], tokens: Sequence[str]
) -> None:
    """Accept the delivery if the source's scheme verifies with one of its secrets; otherwise say why not."""
    if auth == "public":
        return
    if auth == "standard":
        verify_signature(secrets, body, headers)
    elif auth == "token":
        verify_token(secrets, tokens)
    elif auth in _HMAC_HEADERS:
        header, prefix = _HMAC_HEADERS[auth]
        verify_body_hmac(secrets, body, headers.get(header.lower()), header, prefix)
    else:
        raise Unauthorized("This source has no authentication scheme this service knows.")


def verify_body_hmac(secrets: Sequence[str], body: bytes, received: str | None, header: str, prefix: str = "") -> None:
    """A `<prefix><base64 HMAC-SHA256(secret, raw body)>` header, as Typeform and Tally send it."""
    if not received:
        raise Unauthorized(f"This source requires a signed delivery; missing header: {header}.")
    if not secrets:
        raise Unauthorized("This source has no signing secret configured, so no delivery can be verified.")
    encoded = received.strip()
    if not encoded.startswith(prefix):
        raise Unauthorized(f"The {header} header is malformed: it must start with {prefix!r}.")
    try:
        digest = base64.b64decode(encoded[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != hashlib.sha256().digest_size:
        raise Unauthorized(f"The {header} header is malformed: it is not a base64 HMAC-SHA256.")
    for secret in secrets:
        expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
        if hmac.compare_digest(expected, digest):
            return
    raise Unauthorized(f"The {header} signature does not verify: no signature matches.")


def verify_token(secrets: Sequence[str], tokens: Sequence[str]) -> None:
    """The `token` query parameter equals one of the source's secrets (compared as SHA-256 digests, in constant
    time whatever their lengths); secrets shorter than 16 characters are never accepted."""
    usable = [secret for secret in secrets if len(secret) >= MIN_TOKEN_LENGTH]
    if not tokens:
        raise Unauthorized("This source requires its token: post to the webhook URL with ?token=<secret>.")
    if len(tokens) > 1:
        raise Unauthorized("Give the token once.")
    if not usable:
        raise Unauthorized(f"This source has no token of at least {MIN_TOKEN_LENGTH} characters configured.")
    given = hashlib.sha256(tokens[0].encode("utf-8", "surrogatepass")).digest()
    matched = False
    for secret in usable:
        matched |= hmac.compare_digest(given, hashlib.sha256(secret.encode("utf-8")).digest())
    if not matched:
        raise Unauthorized("The token does not match.")


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
