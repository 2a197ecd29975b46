"""Intake: a submitted form (a flat or nested mapping) -> a validated `Submission`, or `InvalidFields`
naming every bad field. Pure: `now` is passed in to bound `received_at`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
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
from chalicelib.domain.model import Contact, facts_of
from chalicelib.domain.vocabulary import Category, Channel, Complexity, Priority

MAX_AHEAD = timedelta(minutes=5)
MAX_AGE = timedelta(days=90)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,252}\.[^@\s.]{2,}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-.]{3,30}$")
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}


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
    return value.strip()


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
    priority: Annotated[Priority, _or_default(Priority.GENERAL)] = Priority.GENERAL
    complexity: Annotated[Complexity, _or_default(Complexity.GENERAL)] = Complexity.GENERAL
    channel: Annotated[Channel, _or_default(Channel.WEB_FORM)] = Channel.WEB_FORM
    cross_department: YesNo = False
    warranty: YesNo = False
    remote_area: YesNo = False
    subject: StrictStr = Field(max_length=200)
    description: Annotated[StrictStr, BeforeValidator(lambda v: "" if v is None else v)] = Field(
        default="", max_length=10_000
    )
    external_id: OptionalText = Field(default=None, max_length=200)
    received_at: OptionalText = None

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
        if value is not None and not _EMAIL.match(value):
            raise ValueError("is not an email address")
        return value

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

    def facts(self) -> dict[str, str]:
        """The attributes a policy matches on."""
        return facts_of(self)


_CONTACT_FIELDS = {field: f"customer_{field}" for field in Contact.model_fields}
"""The nested `customer` object's fields and the flat fields they stand for."""


def _flatten_contact(data: Mapping[str, Any], errors: list[FieldError]) -> dict[str, Any]:
    flat = dict(data)
    nested = flat.pop("customer", None)
    if nested is None:
        return flat
    if not isinstance(nested, Mapping):
        errors.append(FieldError("customer", "must be an object with name, email and phone"))
        return flat
    for short, long in _CONTACT_FIELDS.items():
        if short in nested and flat.get(long) in (None, ""):
            flat[long] = nested[short]
    return flat


def validate_submission(data: Mapping[str, Any], now: datetime) -> Submission:
    """Validate a submitted mapping; raise `InvalidFields` listing every bad field."""
    errors: list[FieldError] = []
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
