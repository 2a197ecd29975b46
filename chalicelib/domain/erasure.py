"""Erasure (China's PIPL, the GDPR): a complaint + who asks and why at `now` -> the anonymous complaint (no name,
contact details or description; the subject with them taken out), the audit event that records who erased it and
why, and the `scrub` that takes the customer's details out of every other text the complaint left behind (audit
events' details, notices). Clocks, the audit trail, report counts and the customer's pseudonym stay. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, field_validator

from chalicelib.domain.errors import Conflict, InvalidFields, field_errors
from chalicelib.domain.intake import _check_text
from chalicelib.domain.model import AuditEvent, Complaint, Contact, Erasure
from chalicelib.domain.vocabulary import EventType

ERASED = "[erased]"
"""What stands where a customer's detail was."""
MIN_SCRUBBED = 2
"""Shorter details are taken out only where they are the whole text (a one-letter name is not cut out of words)."""


class EraseRequest(BaseModel):
    """POST /complaints/{id}/erase."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: Annotated[StrictStr, Field(min_length=1, max_length=500)] = Field(
        description="why (e.g. the customer's request under PIPL art. 47, with its reference)"
    )

    @field_validator("reason")
    @classmethod
    def _single_line(cls, value: str) -> str:
        checked = _check_text(value, multiline=False)
        if not checked:
            raise ValueError("must not be empty")
        return checked


SEPARATORS = r"[\s\-().]*"
"""What may stand between the digits of a phone number written in a text."""


@dataclass(frozen=True)
class Scrub:
    """Takes a customer's details out of a text: each occurrence (ignoring case; a phone number's digits however
    they are spaced) becomes `[erased]`."""

    details: tuple[str, ...]
    phones: tuple[str, ...] = ()

    def __call__(self, text: str) -> str:
        if any(text.strip().casefold() == detail.casefold() for detail in self.details):
            return ERASED
        patterns = [re.escape(detail) for detail in self.details if len(detail) >= MIN_SCRUBBED]
        patterns += [SEPARATORS.join(phone) for phone in self.phones]
        if not patterns:
            return text
        ordered = sorted(patterns, key=len, reverse=True)
        return re.sub("|".join(ordered), ERASED, text, flags=re.IGNORECASE)


def details_of(complaint: Complaint) -> Scrub:
    """The scrub of a complaint's customer: name, email, phone (also its digits however spaced, with or without
    China's +86), description."""
    contact = complaint.customer
    found = [contact.name, contact.email or "", contact.phone or "", complaint.description]
    details = tuple(dict.fromkeys(detail.strip() for detail in found if detail and detail.strip()))
    phones: list[str] = []
    digits = "".join(char for char in contact.phone or "" if char.isdigit())
    if digits:
        phones.append(digits)
        if digits.startswith("86") and len(digits) == 13:
            phones.append(digits[2:])
    return Scrub(details, tuple(phones))


def validate_erasure(data: Mapping[str, object]) -> EraseRequest:
    """The erase request, or `InvalidFields` naming what is wrong."""
    try:
        return EraseRequest.model_validate(data)
    except ValidationError as exc:
        raise InvalidFields(field_errors(exc, unknown="is not a field of an erasure")) from None


def erase(complaint: Complaint, request: EraseRequest, by: str, now: datetime) -> tuple[Complaint, AuditEvent, Scrub]:
    """The complaint without its customer's details, the `erase` audit event (who, why) and the scrub for the
    complaint's other texts; `Conflict` when it was erased already."""
    if complaint.erased is not None:
        erased = complaint.erased
        raise Conflict(f"This complaint's personal data was erased already, at {erased.at.isoformat()} by {erased.by}.")
    scrub = details_of(complaint)
    reason = scrub(request.reason)
    sequence = complaint.event_count + 1
    after = complaint.model_copy(
        update={
            "customer": Contact(name=""),
            "description": "",
            "subject": scrub(complaint.subject),
            "external_id": None if complaint.external_id is None else scrub(complaint.external_id),
            "erased": Erasure(at=now, by=by, reason=reason),
            "event_count": sequence,
        }
    )
    event = AuditEvent(
        sequence=sequence,
        type=EventType.ERASE,
        at=now,
        recorded_at=now,
        by=by,
        status_before=complaint.status,
        status_after=complaint.status,
        details={"reason": reason},
    )
    return after, event, scrub
