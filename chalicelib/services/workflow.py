"""Staff work on complaints: record an event (validate -> apply, pure -> a write conditional on the version read,
with the notices it owes (the policy's notify rules on the event, the resolve of each notified clock cycle it
ended) written in that same write, retried on a lost race; once per Idempotency-Key; the notices published right
after, through the publisher), read the audit trail, list complaints, and the board (what is about to breach)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.board import BOARD_STATUSES, Board, BoardQuery, board
from chalicelib.domain.erasure import erase, validate_erasure
from chalicelib.domain.errors import Conflict, FieldError, InvalidFields, NotFound, StoredRecordUnreadable
from chalicelib.domain.listing import ListQuery
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.vocabulary import Status
from chalicelib.domain.workflow import apply_event, needs_trail, validate_event
from chalicelib.ports import ComplaintStore, DuplicateDelivery, InvalidCursor, UnreadableComplaint
from chalicelib.services.idempotency import earlier, event_key, fingerprint
from chalicelib.services.publisher import Publisher
from chalicelib.services.timers import Timers

ATTEMPTS = 4


@dataclass(eq=False)
class WorkflowService:
    """Applies staff events and serves the audit trail and the listing."""

    store: ComplaintStore
    policies: PolicySet
    publisher: Publisher
    timers: Timers | None = None

    def get(self, complaint_id: str) -> Complaint:
        """A complaint, or NotFound (or StoredRecordUnreadable for a damaged record)."""
        try:
            complaint = self.store.get(complaint_id)
        except UnreadableComplaint as exc:
            raise StoredRecordUnreadable(
                f"This complaint's stored record cannot be read: {exc.reason}. The scanner holds it in quarantine "
                "and tells the operators; nothing can be recorded on it until it is repaired."
            ) from None
        if complaint is None:
            raise NotFound("No complaint has this id.")
        return complaint

    def record(
        self,
        complaint_id: str,
        data: Mapping[str, Any],
        idempotency_key: str | None,
        now: datetime,
        staff: str,
    ) -> tuple[Complaint, bool]:
        """Apply an event posted by `staff` (the token's person; `customer` for the customer's own answer from the
        status page, a name no staff token may carry); returns the complaint and whether this call applied it
        (False: a repeat)."""
        key = None
        if idempotency_key is not None:
            key = event_key(complaint_id, idempotency_key, fingerprint({**data, "by": staff}))
            if earlier(self.store, [key], "event") is not None:
                return self.get(complaint_id), False
        for _ in range(ATTEMPTS):
            complaint = self.get(complaint_id)
            request, at = validate_event(data, complaint, now, staff)
            trail = self.store.trail(complaint_id) if needs_trail(request.type) else ()
            updated, event = apply_event(complaint, request, at, now, self.policies, trail)
            updated, outbox = self.publisher.owed_on(updated, event, now, complaint)
            try:
                if self.store.save(complaint, updated, event, key, outbox):
                    if self.timers is not None:  # a threshold the event moved within the timers' lookahead
                        self.timers.follow([updated], now)
                    self.publisher.deliver_written(outbox, now)
                    return updated.model_copy(update={"version": complaint.version + 1}), True
            except DuplicateDelivery:
                earlier(self.store, [key] if key else [], "event")
                return self.get(complaint_id), False
        raise Conflict("The complaint kept changing while this event was applied; nothing was recorded. Retry.")

    def erase(self, complaint_id: str, data: Mapping[str, Any], now: datetime, staff: str) -> Complaint:
        """Erase the customer's personal data from the complaint and every item it left (PIPL, GDPR), recorded as
        an `erase` event by `staff` with the reason given; the anonymous complaint after it."""
        request = validate_erasure(data)
        for _ in range(ATTEMPTS):
            complaint = self.get(complaint_id)
            after, event, scrub = erase(complaint, request, staff, now)
            if self.store.erase(complaint, after, event, scrub):
                return after.model_copy(update={"version": complaint.version + 1})
        raise Conflict("The complaint kept changing while it was erased; retry.")

    def trail(self, complaint_id: str) -> list[AuditEvent]:
        """The audit trail, oldest first."""
        self.get(complaint_id)
        return self.store.trail(complaint_id)

    def list(self, query: ListQuery, now: datetime) -> tuple[list[Complaint], str | None]:
        """A page of complaints matching the query, newest first per status, and the next page's cursor."""
        statuses = (Status(query.status),) if query.status else tuple(Status)
        found: list[Complaint] = []
        try:
            for complaint, cursor in self.store.browse(statuses, query.received_from, query.received_to, query.cursor):
                if query.matches(complaint, now):
                    found.append(complaint)
                    if len(found) == query.limit:
                        return found, cursor
        except InvalidCursor:
            raise InvalidFields([FieldError("cursor", "is not a cursor this listing gave out")]) from None
        return found, None

    def board(self, query: BoardQuery, now: datetime, me: str) -> Board:
        """Every complaint not yet closed, ordered by its next breach and filtered for `me`: read from the store's
        listing by status (pages of an index, never a table scan)."""
        complaints = (complaint for complaint, _ in self.store.browse(BOARD_STATUSES, None, None))
        return board(complaints, now, query, me)
