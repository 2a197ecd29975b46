"""The customer's side of a complaint: the receipt made at intake (a token only the customer holds; its digest is
stored), the acknowledgement email sent once, the status page's facts, and what the customer may do there (confirm
or reopen a resolved complaint, rate a closed one once per cycle), recorded through the same workflow as staff
events, `by: customer`.

Exactly once: an owed acknowledgement is put on the Claims retry list in the complaint's own write (with the link,
until it is sent), sent right after it and marked done; if that fails (the failure is noted on the retry list), or
the process dies in between, `retry` (run every scan) sends it once the lease has run out, under a claim, so no email
is lost and none goes out twice (one whose `done` write failed after SES took it may go once more, as a notice may).
One still not sent after `GIVE_UP` is given up and the operator told, once, with the last failure in words: never
silently."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.errors import Conflict, FieldError, InvalidFields, NotFound, Unavailable
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.operator import acknowledgement_given_up
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.receipts import (
    TOKEN_BYTES,
    acknowledgement,
    digest,
    expired,
    needs_acknowledgement,
    receipt_url,
    well_formed,
)
from chalicelib.domain.vocabulary import CUSTOMER, EventType, SendFailure, Status
from chalicelib.ports import LEASE, RECEIPT_SCOPE, Claims, ComplaintStore, Mailer, Receipt, UnreadableComplaint
from chalicelib.services.operator import OperatorAlerts
from chalicelib.services.workflow import WorkflowService

log = logging.getLogger(__name__)
GIVE_UP = timedelta(days=2)
COMMENT_LIMIT = 2000


@dataclass(frozen=True)
class Issued:
    """A new complaint's receipt: the token (shown once, in the 201 and the email) and what the store keeps."""

    token: str
    url: str
    receipt: Receipt


@dataclass(frozen=True)
class Standing:
    """What the status page shows: the complaint and its audit trail (the page keeps only the public part)."""

    complaint: Complaint
    trail: list[AuditEvent]


@dataclass(eq=False)
class CustomerService:
    """Receipts, acknowledgements and the customer's own answers."""

    store: ComplaintStore
    claims: Claims
    mailer: Mailer
    workflow: WorkflowService
    policies: PolicySet
    base_url: str
    operator: OperatorAlerts

    def issue(self, complaint: Complaint, now: datetime) -> Issued:
        """A fresh receipt for a new complaint; an acknowledgement is owed when the customer gave an email."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        url = receipt_url(self.base_url, token)
        owed = None
        if needs_acknowledgement(complaint):
            owed = {"complaint": complaint.id, "link": url, "not_before": (now + LEASE).isoformat()}
        return Issued(token, url, Receipt(digest(token), owed))

    def acknowledge(self, complaint: Complaint, issued: Issued, now: datetime) -> bool:
        """Send the acknowledgement the new complaint's write put on the retry list (nothing when none is owed);
        a failure leaves it there for `retry`."""
        if issued.receipt.acknowledgement is None:
            return False
        return self._send(complaint, issued.url, now)

    def _send(self, complaint: Complaint, url: str, now: datetime, attempt: int = 1) -> bool:
        zone, language = self.policies.display.tz, self.policies.file.language
        email = acknowledgement(complaint, url, zone, language, now)
        assert complaint.customer.email is not None
        try:
            message_id = self.mailer.send([complaint.customer.email], email, f"receipt-{complaint.id}", now)
        except Unavailable as exc:
            log.warning(
                "complaint %s: acknowledgement not sent (%s); a later scan retries it", complaint.id, exc.detail
            )
            self._failed(complaint.id, SendFailure.MAIL_REFUSED, exc.detail, attempt, now)
            return False
        try:
            self.claims.done(RECEIPT_SCOPE, complaint.id, now, {"message_id": message_id})
        except Unavailable:
            log.warning("complaint %s: acknowledgement sent but not marked done", complaint.id)
        log.info("complaint %s: acknowledgement sent", complaint.id)
        return True

    def _failed(self, complaint_id: str, failure: SendFailure, detail: str, attempt: int, now: datetime) -> None:
        """Back on the retry list for a later scan, with the last failure (what the operator is told on giving up):
        its kind, the adapter's own words for it (a kind of error, never a value), when, and the attempts so far."""
        last = {
            "failure": failure.value,
            "failure_detail": detail,
            "failed_at": now.isoformat(),
            "attempts": str(attempt),
        }
        try:
            self.claims.release(RECEIPT_SCOPE, complaint_id, retry=last)
        except Unavailable as exc:  # still on the list under its lease: a later scan retries it, without this failure
            log.warning("complaint %s: the failed acknowledgement not recorded (%s)", complaint_id, exc.detail)

    def retry(self, now: datetime) -> int:
        """Send every acknowledgement still owed whose lease has run out, once each; returns how many went. One
        still failing after `GIVE_UP` is given up and the operator told, once (never the customer's details)."""
        sent = 0
        for owed in self.claims.owed():
            if owed.get("scope") != RECEIPT_SCOPE or datetime.fromisoformat(owed["not_before"]) > now:
                continue
            complaint_id = owed["name"]
            if not self.claims.claim(RECEIPT_SCOPE, complaint_id, now):
                continue  # another run holds it: it sends it, or gives it up
            attempt = _attempts(owed) + 1
            overdue = now - datetime.fromisoformat(owed["not_before"]) > GIVE_UP
            try:
                complaint = self.store.get(complaint_id)
            except UnreadableComplaint as exc:  # quarantined by the scanner; tried again until it reads or is given up
                if overdue:
                    self._give_up(complaint_id, owed, now)
                    continue
                log.warning("complaint %s: acknowledgement not sent (%s); a later scan retries it", complaint_id, exc)
                self._failed(complaint_id, SendFailure.COMPLAINT_UNREADABLE, exc.reason, attempt, now)
                continue
            if complaint is None or not complaint.customer.email:
                self.claims.forget(RECEIPT_SCOPE, complaint_id)  # erased: no longer owed, nobody to contact
                continue
            if overdue:
                self._give_up(complaint_id, owed, now)
                continue
            if self._send(complaint, owed["link"], now, attempt):
                sent += 1
        return sent

    def _give_up(self, complaint_id: str, owed: Mapping[str, str], now: datetime) -> None:
        """Off the retry list once the operator has been told (the operator notice's own claim makes it once, however
        many runs get here); while the notice cannot be sent, it stays on the list and a later scan tries again."""
        try:
            failure: SendFailure | None = SendFailure(owed.get("failure", ""))
        except ValueError:
            failure = None
        notice = acknowledgement_given_up(
            complaint_id,
            datetime.fromisoformat(owed["not_before"]) - LEASE,
            failure,
            owed.get("failure_detail", ""),
            _attempts(owed),
            self.base_url,
            self.policies.display.tz,
            self.policies.file.language,
            now,
        )
        if self.operator.tell(notice, now) or self.operator.told(notice):
            log.error(
                "complaint %s: acknowledgement given up after %s of failures; the operator was told",
                complaint_id,
                GIVE_UP,
            )
            self.claims.forget(RECEIPT_SCOPE, complaint_id)
        else:
            log.error(
                "complaint %s: acknowledgement given up, the operator not told yet; a later scan tries again",
                complaint_id,
            )
            self.claims.release(RECEIPT_SCOPE, complaint_id)

    def status(self, token: str, now: datetime) -> Standing:
        """The complaint a token leads to, with its trail; NotFound for an unknown, malformed or expired token
        (the same answer for each, so a guess learns nothing)."""
        complaint = self._find(token, now)
        return Standing(complaint, self.store.trail(complaint.id))

    def _find(self, token: str, now: datetime) -> Complaint:
        complaint = None
        if well_formed(token):
            try:
                complaint = self.store.by_receipt(digest(token))
            except UnreadableComplaint:
                complaint = None
        if complaint is None or expired(complaint, now):
            raise NotFound("No complaint has this receipt, or its link has expired.")
        return complaint

    def answer(self, token: str, solved: bool, reason: str, now: datetime) -> Complaint:
        """The customer's answer to "is it solved?": yes closes the complaint (`confirm`), no reopens it with the
        customer's reason (`reopen`). Conflict when the complaint is not awaiting confirmation."""
        complaint = self._find(token, now)
        if complaint.status is not Status.RESOLVED:
            raise Conflict("This complaint is not waiting for your confirmation.")
        data: dict[str, object] = {
            "type": EventType.CONFIRM.value if solved else EventType.REOPEN.value,
            "by": CUSTOMER,
        }
        if not solved:
            if not reason.strip():
                raise InvalidFields([FieldError("reason", "tell us what is still wrong")])
            data["note"] = reason.strip()[:COMMENT_LIMIT]
        updated, _ = self.workflow.record(complaint.id, data, None, now, CUSTOMER)
        return updated

    def survey(self, token: str, rating: int | None, comment: str, now: datetime) -> Complaint:
        """The customer's rating (1-5) and comment, once per cycle, after the complaint is closed."""
        complaint = self._find(token, now)
        if rating is None or not 1 <= rating <= 5:
            raise InvalidFields([FieldError("rating", "choose 1 to 5 stars")])
        if complaint.status is not Status.CLOSED or complaint.satisfaction is not None:
            raise Conflict("This complaint is not waiting for a rating.")
        data: dict[str, object] = {"type": EventType.SATISFACTION.value, "by": CUSTOMER, "score": rating}
        if comment.strip():
            data["note"] = comment.strip()[:COMMENT_LIMIT]
        updated, _ = self.workflow.record(complaint.id, data, None, now, CUSTOMER)
        return updated


def _attempts(owed: Mapping[str, str]) -> int:
    """The failed attempts an owed acknowledgement's retry marker counts (0 before the first is recorded)."""
    count = owed.get("attempts", "0")
    return int(count) if count.isdecimal() else 0
