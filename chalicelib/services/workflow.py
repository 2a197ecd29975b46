"""Staff work on complaints: record an event (validate -> apply, pure -> a write conditional on the version read,
retried on a lost race; once per Idempotency-Key), read the audit trail, list complaints."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chalicelib.domain.erasure import erase, validate_erasure
from chalicelib.domain.errors import Conflict, FieldError, InvalidFields, NotFound, StoredRecordUnreadable
from chalicelib.domain.listing import ListQuery
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.vocabulary import Status
from chalicelib.domain.workflow import apply_event, validate_event
from chalicelib.ports import ComplaintStore, DuplicateDelivery, InvalidCursor, UnreadableComplaint
from chalicelib.services.idempotency import earlier, event_key, fingerprint

ATTEMPTS = 4


class WorkflowService:
    """Applies staff events and serves the audit trail and the listing."""

    def __init__(self, store: ComplaintStore, policies: PolicySet) -> None:
        self._store = store
        self._policies = policies

    def get(self, complaint_id: str) -> Complaint:
        """A complaint, or NotFound (or StoredRecordUnreadable for a damaged record)."""
        try:
            complaint = self._store.get(complaint_id)
        except UnreadableComplaint as exc:
            raise StoredRecordUnreadable(
                f"This complaint's stored record cannot be read: {exc.reason}. The scanner holds it in quarantine "
                "and tells the operators; nothing can be recorded on it until it is repaired."
            ) from None
        if complaint is None:
            raise NotFound("No complaint has this id.")
        return complaint

    def record(
        self, complaint_id: str, data: Mapping[str, Any], idempotency_key: str | None, now: datetime, staff: str
    ) -> tuple[Complaint, bool]:
        """Apply a staff event posted by `staff`; returns the complaint and whether this call applied it (False: a
        repeat)."""
        key = None
        if idempotency_key is not None:
            key = event_key(complaint_id, idempotency_key, fingerprint({**data, "by": staff}))
            if earlier(self._store, [key], "event") is not None:
                return self.get(complaint_id), False
        for _ in range(ATTEMPTS):
            complaint = self.get(complaint_id)
            request, at = validate_event(data, complaint, now, staff)
            updated, event = apply_event(complaint, request, at, now, self._policies.calendars)
            try:
                if self._store.save(complaint, updated, event, key):
                    return updated.model_copy(update={"version": complaint.version + 1}), True
            except DuplicateDelivery:
                earlier(self._store, [key] if key else [], "event")
                return self.get(complaint_id), False
        raise Conflict("The complaint kept changing while this event was applied; nothing was recorded. Retry.")

    def erase(self, complaint_id: str, data: Mapping[str, Any], now: datetime, staff: str) -> Complaint:
        """Erase the customer's personal data from the complaint and every item it left (PIPL, GDPR), recorded as
        an `erase` event by `staff` with the reason given; the anonymous complaint after it."""
        request = validate_erasure(data)
        for _ in range(ATTEMPTS):
            complaint = self.get(complaint_id)
            after, event, scrub = erase(complaint, request, staff, now)
            if self._store.erase(complaint, after, event, scrub):
                return after.model_copy(update={"version": complaint.version + 1})
        raise Conflict("The complaint kept changing while it was erased; retry.")

    def trail(self, complaint_id: str) -> list[AuditEvent]:
        """The audit trail, oldest first."""
        self.get(complaint_id)
        return self._store.trail(complaint_id)

    def list(self, query: ListQuery, now: datetime) -> tuple[list[Complaint], str | None]:
        """A page of complaints matching the query, newest first per status, and the next page's cursor."""
        statuses = (Status(query.status),) if query.status else tuple(Status)
        found: list[Complaint] = []
        try:
            for complaint, cursor in self._store.browse(statuses, query.received_from, query.received_to, query.cursor):
                if query.matches(complaint, now):
                    found.append(complaint)
                    if len(found) == query.limit:
                        return found, cursor
        except InvalidCursor:
            raise InvalidFields([FieldError("cursor", "is not a cursor this listing gave out")]) from None
        return found, None
