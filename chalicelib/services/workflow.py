"""Staff work on complaints: record an event (validate -> apply, pure -> conditional write with the version
read, retried on a lost race; once per Idempotency-Key), read the audit trail, list complaints by index."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chalicelib import keys
from chalicelib.adapters.dynamo import (
    ComplaintRepository,
    DuplicateDelivery,
    IdempotencyClaim,
    UnreadableComplaint,
    to_item,
)
from chalicelib.domain.errors import Conflict, FieldError, InvalidFields, NotFound, StoredRecordUnreadable
from chalicelib.domain.listing import ListQuery
from chalicelib.domain.model import AuditEvent, Complaint, Status
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.workflow import apply_event, validate_event
from chalicelib.services.intake import fingerprint

ATTEMPTS = 4
STATUSES = tuple(status.value for status in Status)


def _encode_cursor(status_index: int, complaint: Complaint) -> str:
    key = {
        "i": status_index,
        "id": complaint.id,
        "r": keys.list_received(complaint.received_at, complaint.id),
    }
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, statuses: tuple[str, ...]) -> tuple[int, dict[str, Any] | None]:
    invalid = InvalidFields([FieldError("cursor", "is not a cursor this listing gave out")])
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        index, complaint_id, received = int(raw["i"]), str(raw["id"]), str(raw["r"])
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise invalid from None
    if not 0 <= index < len(statuses) or len(complaint_id) != 32 or not received.endswith(f"#{complaint_id}"):
        raise invalid
    key = keys.complaint_key(complaint_id) | {
        keys.LIST_STATUS_ATTR: statuses[index],
        keys.LIST_RECEIVED_ATTR: received,
    }
    return index, to_item(key)


class WorkflowService:
    """Applies staff events and serves the audit trail and the listing."""

    def __init__(self, repository: ComplaintRepository, policies: PolicySet, due_shards: int) -> None:
        self._repository = repository
        self._policies = policies
        self._shards = due_shards

    def get(self, complaint_id: str) -> Complaint:
        """A complaint, or NotFound (or StoredRecordUnreadable for a damaged record)."""
        try:
            complaint = self._repository.get(complaint_id)
        except UnreadableComplaint as exc:
            raise StoredRecordUnreadable(
                f"This complaint's stored record cannot be read: {exc.reason}. The scanner holds it in quarantine "
                "and tells the operators; nothing can be recorded on it until it is repaired."
            ) from None
        if complaint is None:
            raise NotFound("No complaint has this id.")
        return complaint

    def record(
        self, complaint_id: str, data: Mapping[str, Any], idempotency_key: str | None, now: datetime
    ) -> tuple[Complaint, bool]:
        """Apply a staff event; returns the complaint and whether this call applied it (False: a repeat)."""
        claim = None
        if idempotency_key is not None:
            claim = IdempotencyClaim(f"event#{complaint_id}", idempotency_key, fingerprint(dict(data)))
            bound = self._repository.complaint_for(claim)
            if bound is not None:
                if bound[1] != claim.fingerprint:
                    raise Conflict("This Idempotency-Key was already used for a different event.")
                return self.get(complaint_id), False
        for _ in range(ATTEMPTS):
            complaint = self.get(complaint_id)
            request, at = validate_event(data, complaint, now)
            updated, event = apply_event(complaint, request, at, now, self._policies.calendars)
            due = keys.due_entry(updated.id, updated.next_due(), self._shards)
            try:
                if self._repository.record(complaint, updated, event, due, claim):
                    return updated.model_copy(update={"version": complaint.version + 1}), True
            except DuplicateDelivery:
                return self.get(complaint_id), False
        raise Conflict("The complaint kept changing while this event was applied; nothing was recorded. Retry.")

    def trail(self, complaint_id: str) -> list[AuditEvent]:
        """The audit trail, oldest first."""
        self.get(complaint_id)
        return self._repository.events(complaint_id)

    def list(self, query: ListQuery, now: datetime) -> tuple[list[Complaint], str | None]:
        """A page of complaints matching the query, newest first per status, and the next page's cursor."""
        statuses = (query.status,) if query.status else STATUSES
        index, start = (0, None) if query.cursor is None else _decode_cursor(query.cursor, statuses)
        since = "0" if query.received_from is None else keys.due_value(query.received_from)
        until = "~" if query.received_to is None else keys.due_value(query.received_to) + "~"
        found: list[Complaint] = []
        for position in range(index, len(statuses)):
            key = start if position == index else None
            while True:
                page, key = self._repository.page(statuses[position], since, until, max(query.limit, 25), key)
                for complaint in page:
                    if query.matches(complaint, now):
                        found.append(complaint)
                        if len(found) == query.limit:
                            return found, _encode_cursor(position, complaint)
                if key is None:
                    break
        return found, None
