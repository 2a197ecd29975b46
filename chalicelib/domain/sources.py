"""Intake sources: the sources file -> per source, how a delivery is authenticated (`auth`), which events are
complaints (`accept`), which fields hold JSON text (`json_fields`) and where each complaint field is found in the
payload (`fields`: a path, a `values:` table, a time zone for naive times). Pure: the caller reads the file and
hands over its text; paths and answers are read by `chalicelib.domain.mapping`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.domain.errors import DomainError, FieldError, InvalidFields, Rejected  # noqa: F401 - re-exported
from chalicelib.domain.intake import CONTACT_FIELDS, Submission
from chalicelib.domain.mapping import PathError, answer_value, parse_path, resolve, translate, values_table
from chalicelib.domain.yaml_files import load_yaml_model

SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
TARGET_FIELDS = tuple(Submission.model_fields)
Auth = Literal["public", "standard", "typeform", "tally", "token"]
# Schemes whose signature carries no timestamp: a replayed delivery verifies, so the form service's submission id
# (external_id) must be mapped: a replay is then the complaint the first delivery made, never a second one.
WITHOUT_TIMESTAMP = frozenset({"typeform", "tally", "token"})
# Fields a customer must not be able to set by editing a form's URL (hidden fields are URL parameters).
PROTECTED = frozenset({"priority"})
# What a public source (a browser form anyone can post) may set by default: what the customer says about their own
# complaint. The time of receipt is the server's, priority and complexity the policy's (`assign`; staff change them
# with a triage event), the tier and the submission id a trusted system's.
CUSTOMER_FIELDS = ("customer_name", "customer_email", "customer_phone", "category", "subject", "description")
SERVER_TIME_TOLERANCE = timedelta(minutes=5)
_WHY_NOT: dict[str, str] = {
    "received_at": "is the server's time of receipt for this source: leave it out (a value more than 5 minutes "
    "from the server's time is refused)",
    "priority": "is not taken from this source: the policy assigns it, and staff change it with a triage event",
    "complexity": "is not taken from this source: the policy assigns it, and staff change it with a triage event",
    "customer_tier": "is not taken from this source: only a signed source may set it",
    "external_id": "is not taken from this source: send an Idempotency-Key header to make retries safe",
}


class SourcesError(ValueError):
    """The sources file is invalid: the message names the file, the place inside it and what is wrong."""


class FieldSpec(BaseModel):
    """Where one complaint field is found: a path; labels translated to values; a zone for naive date-times."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    values: dict[str, str] = Field(default_factory=dict)
    time_zone: str | None = None

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        try:
            parse_path(value)
        except PathError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("values")
    @classmethod
    def _values(cls, value: dict[str, str]) -> dict[str, str]:
        if any(not label.strip() for label in value):
            raise ValueError("an empty label")
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"{value!r} is not an IANA time zone such as Asia/Shanghai") from None
        return value


def _complaint_field(target: str) -> None:
    """Refuse a name that is not a complaint field a source can set."""
    if target not in TARGET_FIELDS:
        raise ValueError(f"{target!r} is not a complaint field ({', '.join(TARGET_FIELDS)})")


def _shorthand(value: Any, long_form: Callable[[str], Any]) -> Any:
    """A mapping whose string values are shorthand (`accept: {path: value}`, `fields: {target: path}`): each
    becomes `long_form(string)`; anything else is left to the field's validation."""
    if not isinstance(value, Mapping):
        return value
    return {key: long_form(item) if isinstance(item, str) else item for key, item in value.items()}


class SourceSpec(BaseModel):
    """One intake source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    auth: Auth
    title: str | None = Field(default=None, min_length=1, max_length=60)
    """What staff call the source (the console's timeline names who a complaint came from by it), e.g. 问卷星."""
    cors_origins: list[str] = Field(default_factory=list)
    honeypot: str | None = None
    accept: dict[str, list[str]] = Field(default_factory=dict)
    json_fields: list[str] = Field(default_factory=list)
    fields: dict[str, FieldSpec] | None = None
    defaults: dict[str, str] = Field(default_factory=dict)
    may_set: list[str] | None = None

    @property
    def settable(self) -> frozenset[str]:
        """The complaint fields a delivery from this source may set: `may_set`, or by default every field for a
        signed source and the customer's own fields for a public one."""
        if self.may_set is not None:
            return frozenset(self.may_set)
        return frozenset(CUSTOMER_FIELDS if self.auth == "public" else TARGET_FIELDS)

    @property
    def signed(self) -> bool:
        """Whether deliveries are authenticated (anything but a public form)."""
        return self.auth != "public"

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or any(ord(char) < 32 for char in value)):
            raise ValueError("a title is one line of text")
        return value

    @field_validator("may_set")
    @classmethod
    def _settable(cls, value: list[str] | None) -> list[str] | None:
        for target in value or []:
            _complaint_field(target)
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if not re.fullmatch(r"https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?", origin):
                raise ValueError(f"{origin!r} is not an origin like https://www.example.com")
        return value

    @field_validator("accept", mode="before")
    @classmethod
    def _accept(cls, value: Any) -> Any:
        accepted = _shorthand(value, lambda allowed: [allowed])
        if isinstance(accepted, Mapping):
            for path, allowed in accepted.items():
                try:
                    parse_path(str(path))
                except PathError as exc:
                    raise ValueError(str(exc)) from None
                if isinstance(allowed, list) and not allowed:
                    raise ValueError(f"{path}: no accepted value")
        return accepted

    @field_validator("fields", mode="before")
    @classmethod
    def _fields(cls, value: Any) -> Any:
        return _shorthand(value, lambda spec: {"path": spec})

    @field_validator("fields")
    @classmethod
    def _targets(cls, value: dict[str, FieldSpec] | None) -> dict[str, FieldSpec] | None:
        for target, spec in (value or {}).items():
            _complaint_field(target)
            if target in PROTECTED and any("hidden" in segment.names for segment in parse_path(spec.path)):
                raise ValueError(
                    f"{target}: a hidden field is a URL parameter the customer can edit; take {target} from "
                    "something the form computes (Typeform `variables`, a calculated field)"
                )
        return value

    @field_validator("defaults")
    @classmethod
    def _defaults(cls, value: dict[str, str]) -> dict[str, str]:
        for target in value:
            _complaint_field(target)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SourceSpec:
        if self.auth != "public" and (self.cors_origins or self.honeypot):
            raise ValueError("only a public source (auth: public) has cors_origins or a honeypot; servers post here")
        if self.auth in WITHOUT_TIMESTAMP and self.fields is not None and "external_id" not in self.fields:
            raise ValueError(
                f"auth: {self.auth} signs no timestamp, so a replayed delivery verifies: map external_id to the "
                "form service's submission id, which makes a replay the same complaint"
            )
        return self


class SourcesFile(BaseModel):
    """The whole sources file: `web` answers POST /complaints, the others POST /webhooks/{source}."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: dict[str, SourceSpec]

    @field_validator("sources")
    @classmethod
    def _names(cls, value: dict[str, SourceSpec]) -> dict[str, SourceSpec]:
        for name in value:
            if not SOURCE_NAME.match(name):
                raise ValueError(f"{name!r} is not a source name (lower-case letters, digits, - and _)")
        if "web" not in value:
            raise ValueError("a `web` source (the public form behind POST /complaints) is required")
        return value


def parse_sources(text: str, source: str) -> SourcesFile:
    """Parse and validate a sources file's text; `source` names the file in error messages."""
    return load_yaml_model(text, source, SourcesFile, SourcesError)


def ignored_event(payload: Mapping[str, Any], spec: SourceSpec) -> str | None:
    """Why a delivery is not a complaint (an event type the source does not accept), or None if it is one."""
    for path, allowed in spec.accept.items():
        found = resolve(payload, path)
        if not isinstance(found, str) or found not in allowed:
            shown = repr(found[:60]) if isinstance(found, str) else "missing"
            return f"{path} is {shown}, not {' or '.join(allowed)}: not a complaint, nothing was stored."
    return None


def _with_zone(value: Any, zone: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value  # validation names the field
    if moment.tzinfo is None:
        return moment.replace(tzinfo=ZoneInfo(zone)).isoformat()
    return value


def _field(target: str, spec: FieldSpec, payload: Mapping[str, Any], errors: list[FieldError]) -> Any:
    node = resolve(payload, spec.path)
    if target in PROTECTED and isinstance(node, Mapping) and node.get("type") == "HIDDEN_FIELDS":
        errors.append(FieldError(target, "comes from a hidden field, which anyone can set in the form's URL"))
        return None
    value = translate(answer_value(node), values_table(target, spec.values))
    if isinstance(value, list):
        if len(value) > 1:
            errors.append(FieldError(target, f"has {len(value)} answers where one is expected"))
            return None
        value = value[0] if value else None
    if spec.time_zone is not None:
        value = _with_zone(value, spec.time_zone)
    return value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _near(value: Any, now: datetime) -> bool:
    """Whether a given time of receipt is within the tolerance of the server's."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return False
    if moment is None or moment.tzinfo is None or moment.utcoffset() is None:
        return False
    return abs(moment - now) <= SERVER_TIME_TOLERANCE


def _untrusted(mapped: dict[str, Any], spec: SourceSpec, now: datetime, errors: list[FieldError]) -> None:
    """Refuse (or, for a time of receipt within 5 minutes of the server's, drop) the fields the source may not
    set; blank ones are left out as if not given."""
    allowed = spec.settable
    nested = mapped.get("customer")
    if isinstance(nested, Mapping):
        for short, target in CONTACT_FIELDS.items():
            if target not in allowed and not _blank(nested.get(short)):
                errors.append(FieldError(target, "is not taken from this source"))
    for target in TARGET_FIELDS:
        if target in allowed or target not in mapped:
            continue
        value = mapped.pop(target)
        if _blank(value) or (target == "received_at" and _near(value, now)):
            continue
        errors.append(FieldError(target, _WHY_NOT.get(target, "is not taken from this source (its `may_set`)")))


def map_delivery(
    payload: Mapping[str, Any], spec: SourceSpec, now: datetime
) -> tuple[dict[str, Any], list[FieldError]]:
    """A source's payload -> complaint fields: mapped fields (missing ones left out), then defaults; and, apart,
    the errors of the fields the source may not set (so that validation can name them with every other bad field).
    `now`: the server's time, which a public form's time of receipt may not stray from. `InvalidFields` when the
    payload cannot be mapped."""
    errors: list[FieldError] = []
    if spec.fields is None:
        mapped = dict(payload)
    else:
        mapped = {}
        for target, field in spec.fields.items():
            value = _field(target, field, payload, errors)
            if value is not None:
                mapped[target] = value
    refused: list[FieldError] = []
    _untrusted(mapped, spec, now, refused)
    for target, value in spec.defaults.items():
        mapped.setdefault(target, value)
    if spec.auth in WITHOUT_TIMESTAMP and mapped.get("external_id") in (None, ""):
        errors.append(FieldError("external_id", "is required: this source's submission id guards against replays"))
    if errors:
        raise InvalidFields(errors + refused)
    return mapped, refused


def check_honeypot(payload: Mapping[str, Any], spec: SourceSpec) -> None:
    """A public form's hidden field that people leave empty; filled, the submission is refused."""
    if spec.honeypot is not None and payload.get(spec.honeypot) not in (None, ""):
        raise Rejected("This submission looks automated and was not accepted.")
