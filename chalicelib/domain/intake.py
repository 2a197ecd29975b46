"""Intake: a submitted form (a flat or nested mapping) -> a validated `Submission`, or `InvalidFields`
naming every bad field. Pure: `now` is passed in to bound `received_at`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from chalicelib.domain.errors import FieldError, InvalidFields, field_errors
from chalicelib.domain.model import Contact
from chalicelib.domain.vocabulary import Category, Channel, Complexity, Priority

MAX_AHEAD = timedelta(minutes=5)
MAX_AGE = timedelta(days=90)
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-.]{3,30}$")
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}
# Characters that make one line of text read differently from what it holds: bidirectional embeddings, overrides
# and isolates (U+202A-U+202E, U+2066-U+2069: "Trojan Source"), and the line and paragraph separators U+2028 and
# U+2029, which break a line where a single-line field (a name, a subject) must not have one.
_SINGLE_LINE_REFUSED = frozenset(
    [chr(code) for code in range(0x202A, 0x202F)] + [chr(code) for code in range(0x2066, 0x206A)] + ["\u2028", "\u2029"]
)


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _check_text(value: str, multiline: bool) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("contains characters that are not valid Unicode") from exc
    for char in value:
        if unicodedata.category(char) == "Cc" and not (multiline and char in _ALLOWED_CONTROLS):
            raise ValueError("contains control characters")
        if not multiline and char in _SINGLE_LINE_REFUSED:
            raise ValueError(
                f"contains U+{ord(char):04X}, a bidirectional control or line separator, which single-line text "
                "may not hold"
            )
    return value.strip()


def check_email(value: str) -> str:
    """A deliverable-looking address by the rules of `email-validator` (syntax only, no DNS), normalized (the
    domain lower-cased and in Unicode); ValueError saying what is wrong."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(value, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise ValueError(f"is not an email address: {str(exc).rstrip('.')}") from None


OptionalText = Annotated[StrictStr | None, BeforeValidator(_blank_to_none)]
"""Text that may be left out: blank counts as absent."""


_YES = {"true", "yes", "y", "1", "on", "是", "有"}
_NO = {"false", "no", "n", "0", "off", "否", "无", "沒有", "没有"}


def _flag(value: object) -> object:
    """A yes/no answer: JSON true/false, or a form's text (true/false, yes/no, 1/0, on/off, 是/否); blank is no."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _YES:
            return True
        if text in _NO or not text:
            return False
        raise ValueError("must be true or false (yes/no, 是/否)")
    raise ValueError("must be true or false")


YesNo = Annotated[bool, BeforeValidator(_flag)]
"""A complaint flag (cross_department, warranty, remote_area) as a form may send it."""


def _or_default(default: str) -> BeforeValidator:
    """A choice that may be left blank: blank or absent means `default`."""
    return BeforeValidator(lambda value: default if _blank_to_none(value) is None else value)


class Submission(BaseModel):
    """A complaint as a web form or form service submits it, validated."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    customer_name: StrictStr = Field(max_length=200)
    customer_email: OptionalText = Field(default=None, max_length=254)
    customer_phone: OptionalText = Field(default=None, max_length=32)
    customer_tier: Annotated[StrictStr, BeforeValidator(lambda v: "standard" if _blank_to_none(v) is None else v)] = (
        Field(default="standard", pattern=r"^[a-z0-9_-]{1,40}$")
    )
    category: Category
    priority: Annotated[Priority | None, BeforeValidator(_blank_to_none)] = Field(
        default=None, description="left out: the policy's `assign` rules give it (the public form may not set it)"
    )
    complexity: Annotated[Complexity | None, BeforeValidator(_blank_to_none)] = Field(
        default=None, description="left out: the policy's `assign` rules give it (the public form may not set it)"
    )
    channel: Annotated[Channel, _or_default(Channel.WEB_FORM)] = Channel.WEB_FORM
    cross_department: YesNo = False
    warranty: YesNo = False
    remote_area: YesNo = False
    subject: StrictStr = Field(max_length=200)
    description: Annotated[StrictStr, BeforeValidator(lambda v: "" if v is None else v)] = Field(
        default="", max_length=10_000
    )
    external_id: OptionalText = Field(
        default=None, max_length=200, description="the form service's submission id (signed sources)"
    )
    received_at: OptionalText = Field(
        default=None, description="ISO 8601 with offset (signed sources); otherwise the server's time of receipt"
    )

    @field_validator("customer_name", "subject", "customer_tier", "external_id", "customer_email", "customer_phone")
    @classmethod
    def _single_line(cls, value: str | None) -> str | None:
        return None if value is None else _check_text(value, multiline=False)

    @field_validator("description")
    @classmethod
    def _multi_line(cls, value: str) -> str:
        return _check_text(value, multiline=True)

    @field_validator("customer_name", "subject")
    @classmethod
    def _required_text(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("customer_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else check_email(value)

    @field_validator("customer_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and (not _PHONE.match(value) or sum(c.isdigit() for c in value) < 5):
            raise ValueError("is not a phone number")
        return value

    @field_validator("received_at")
    @classmethod
    def _received_at(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("is not an ISO 8601 date-time") from exc
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("must include a UTC offset, e.g. 2026-11-20T17:00:00+08:00")
        now: datetime = (info.context or {})["now"]
        if moment > now + MAX_AHEAD:
            raise ValueError("is more than 5 minutes in the future")
        if moment < now - MAX_AGE:
            raise ValueError("is more than 90 days in the past")
        return moment.isoformat()

    def received(self, now: datetime) -> datetime:
        """When the complaint was received: the given time, or `now`."""
        return now if self.received_at is None else datetime.fromisoformat(self.received_at)


CONTACT_FIELDS = {field: f"customer_{field}" for field in Contact.model_fields}
"""The nested `customer` object's fields and the flat fields they stand for."""


def _flatten_contact(data: Mapping[str, Any], errors: list[FieldError]) -> dict[str, Any]:
    flat = dict(data)
    nested = flat.pop("customer", None)
    if nested is None:
        return flat
    if not isinstance(nested, Mapping):
        errors.append(FieldError("customer", "must be an object with name, email and phone"))
        return flat
    for short, long in CONTACT_FIELDS.items():
        if short in nested and flat.get(long) in (None, ""):
            flat[long] = nested[short]
    return flat


def validate_submission(data: Mapping[str, Any], now: datetime, refused: Sequence[FieldError] = ()) -> Submission:
    """Validate a submitted mapping; raise `InvalidFields` listing every bad field (`refused`: fields its source
    was not allowed to set, named with the others)."""
    errors: list[FieldError] = list(refused)
    flat = _flatten_contact(data, errors)
    submission: Submission | None = None
    try:
        submission = Submission.model_validate(flat, context={"now": now})
    except ValidationError as exc:
        errors.extend(field_errors(exc))
    if all(_blank_to_none(flat.get(field)) is None for field in ("customer_email", "customer_phone")):
        errors.append(FieldError("customer_email", "give an email address or a phone number (customer_phone)"))
    if errors or submission is None:
        raise InvalidFields(errors)
    return submission
