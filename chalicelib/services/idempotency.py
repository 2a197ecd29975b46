"""Idempotency, its rule written once: a delivery (a webhook, a staff event) comes with keys — the caller's
Idempotency-Key, a webhook id, the submission's external id — each stored with the fingerprint of the content it
first came with. A later delivery with a bound key is a repeat: the same complaint (or event) again, nothing new
stored. A reused Idempotency-Key with different content is a `Conflict` that says nothing of what the key is bound
to; delivery ids (a signed source's own) name one delivery, so their content is not compared. Every key lives
within its source (or, for a staff event, its complaint): one source's keys never reach another's complaints."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.domain.errors import Conflict
from chalicelib.ports import ComplaintStore, DeliveryKey

_COMPARED = ("key", "event#")


def fingerprint(data: Mapping[str, Any]) -> str:
    """A stable digest of a request's content, to tell a true repeat from a reused key."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def caller_key(source: str, value: str, digest: str) -> DeliveryKey:
    """The caller's Idempotency-Key on intake, within its source."""
    return DeliveryKey(f"key#{source}", value, digest)


def webhook_key(source: str, value: str, digest: str) -> DeliveryKey:
    """A source's delivery id (Standard Webhooks `webhook-id`)."""
    return DeliveryKey(f"webhook#{source}", value, digest)


def external_key(source: str, value: str, digest: str) -> DeliveryKey:
    """The id the submitting system gives the complaint."""
    return DeliveryKey(f"external#{source}", value, digest)


def event_key(complaint_id: str, value: str, digest: str) -> DeliveryKey:
    """The Idempotency-Key of a staff event on one complaint."""
    return DeliveryKey(f"event#{complaint_id}", value, digest)


def earlier(store: ComplaintStore, keys: Sequence[DeliveryKey], what: str) -> str | None:
    """The complaint an earlier delivery bound one of `keys` to, if any; `Conflict` when an Idempotency-Key comes
    back with different content (`what` names what it was first used for)."""
    for key in keys:
        binding = store.bound(key)
        if binding is None:
            continue
        if key.scope.startswith(_COMPARED) and binding.fingerprint != key.fingerprint:
            raise Conflict(f"This Idempotency-Key was already used for a different {what}.")
        return binding.complaint_id
    return None
