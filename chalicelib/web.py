"""HTTP edge, framework-free: request bodies -> mappings (strictly), domain errors -> RFC 9457 problems.

Nothing here imports chalice; app.py turns a `Problem` into a response.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chalicelib.domain.errors import (
    BodyTooLarge,
    Conflict,
    DomainError,
    DuplicateField,
    InvalidFields,
    MalformedBody,
    NotFound,
    Rejected,
    StoredRecordUnreadable,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
    field_errors,
)

Query = TypeVar("Query", bound=BaseModel)
Value = TypeVar("Value")

PROBLEM_CONTENT_TYPE = "application/problem+json"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MULTIPART_CONTENT_TYPE = "multipart/form-data"
JSON_CONTENT_TYPE = "application/json"
MAX_JSON_DEPTH = 32
MAX_FORM_FIELDS = 100


REFUSED = "refused"
"""Why a page refused when no other reason fits."""
INTERNAL = "internal"
"""A fault of ours."""


@dataclass(frozen=True)
class Problem:
    """An RFC 9457 problem: status, a short title, a human detail and optional extra members."""

    status: int
    title: str
    detail: str
    extra: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    reason: str = REFUSED  # why, as a page words it (REASONS)

    def body(self) -> dict[str, Any]:
        slug = self.title.lower().replace(" ", "-")
        base = {
            "type": f"/problems/{slug}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        return base | dict(self.extra)


_BY_TYPE: tuple[tuple[type[DomainError], int, str, str], ...] = (
    (InvalidFields, 422, "Invalid fields", "invalid"),
    (DuplicateField, 400, "Malformed body", "twice"),
    (MalformedBody, 400, "Malformed body", "bad_form"),
    (UnsupportedMediaType, 415, "Unsupported media type", "not_a_form"),
    (BodyTooLarge, 413, "Body too large", "too_large"),
    (NotFound, 404, "Not found", "not_found"),
    (Unauthorized, 401, "Unauthorized", REFUSED),
    (Rejected, 400, "Rejected", REFUSED),
    (Conflict, 409, "Conflict", "conflict"),
    (Unavailable, 503, "Service unavailable", "unavailable"),
    (StoredRecordUnreadable, 500, "Stored record unreadable", "unreadable"),
)
"""Each domain error's problem, by type (a subclass before its base): status, title, and the reason a page words."""
REASONS = (*dict.fromkeys(reason for *_, reason in _BY_TYPE), INTERNAL)
"""Every reason a page may refuse for (each page has words for all of them)."""


def problem_for(error: DomainError) -> Problem:
    """The problem a domain error becomes, chosen by its type."""
    for kind, status, title, reason in _BY_TYPE:
        if isinstance(error, kind):
            extra: dict[str, Any] = {}
            headers: dict[str, str] = {}
            if isinstance(error, InvalidFields):
                extra["errors"] = [{"field": e.field, "message": e.message} for e in error.errors]
            if isinstance(error, Unavailable):
                headers["Retry-After"] = str(error.retry_after)
            return Problem(status, title, error.detail, extra, headers, reason)
    return Problem(400, "Bad request", error.detail)


def server_error() -> Problem:
    """What a client sees of a fault of ours: no trace, no internal names."""
    return Problem(
        500, "Internal error", "Something went wrong on our side; the request was not applied.", reason=INTERNAL
    )


def _media_type(content_type: str | None) -> tuple[str, str | None]:
    if not content_type:
        return "", None
    message = Message()
    message["content-type"] = content_type
    return message.get_content_type().lower(), message.get_param("charset")  # type: ignore[return-value]


def _decode(body: bytes, charset: str | None) -> str:
    name = (charset or "utf-8").strip().lower()
    if name not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"Charset {name[:40]!r} is not supported: send UTF-8.")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedBody(f"The body is not valid UTF-8 (byte {exc.start}).") from exc


def _once_each(pairs: Iterable[tuple[str, Value]], twice: Callable[[str], DomainError]) -> dict[str, Value]:
    """Key-value pairs -> a dict, refused with `twice(key)` when a key comes again (which value was meant cannot be
    known)."""
    result: dict[str, Value] = {}
    for key, value in pairs:
        if key in result:
            raise twice(key)
        result[key] = value
    return result


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return _once_each(pairs, lambda key: MalformedBody(f"The JSON object has the key {key[:60]!r} twice."))


def _reject_constant(name: str) -> Any:
    raise MalformedBody(f"{name} is not valid JSON.")


MAX_NUMBER_LENGTH = 100


def _bounded_int(text: str) -> int:
    if len(text) > MAX_NUMBER_LENGTH:
        raise MalformedBody(f"A number in the body has more than {MAX_NUMBER_LENGTH} digits.")
    return int(text)


def _finite_float(text: str) -> float:
    if len(text) > MAX_NUMBER_LENGTH:
        raise MalformedBody(f"A number in the body has more than {MAX_NUMBER_LENGTH} digits.")
    value = float(text)
    if math.isinf(value):
        raise MalformedBody("A number in the body is too large.")
    return value


def _depth(value: Any, limit: int) -> int:
    stack = [(value, 1)]
    deepest = 0
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_json(text: str) -> Any:
    """Strict JSON: no duplicate keys, no NaN/Infinity, bounded numbers and depth."""
    if text.count("[") + text.count("{") > 2000 and _bracket_depth(text) > MAX_JSON_DEPTH:
        raise MalformedBody(f"The JSON is nested deeper than {MAX_JSON_DEPTH} levels.")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except MalformedBody:
        raise
    except RecursionError as exc:
        raise MalformedBody(f"The JSON is nested deeper than {MAX_JSON_DEPTH} levels.") from exc
    except ValueError as exc:
        detail = str(exc).split(":")[0] if "digits" in str(exc) else str(exc)
        raise MalformedBody(f"The body is not valid JSON: {detail[:120]}.") from exc
    if _depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise MalformedBody(f"The JSON is nested deeper than {MAX_JSON_DEPTH} levels.")
    return value


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def parse_body(content_type: str | None, body: bytes, max_bytes: int) -> dict[str, Any]:
    """A JSON object or a urlencoded form -> a mapping of fields; refuses oversize bodies before parsing."""
    if len(body) > max_bytes:
        raise BodyTooLarge(f"The body is {len(body)} bytes; the limit is {max_bytes} bytes.")
    media_type, charset = _media_type(content_type)
    if media_type not in (JSON_CONTENT_TYPE, FORM_CONTENT_TYPE):
        shown = media_type[:60] or "none"
        raise UnsupportedMediaType(
            f"Content type {shown!r} is not accepted: send {JSON_CONTENT_TYPE} or {FORM_CONTENT_TYPE}."
        )
    if not body.strip():
        raise MalformedBody("The body is empty.")
    text = _decode(body, charset)
    if media_type == JSON_CONTENT_TYPE:
        value = parse_json(text)
        if not isinstance(value, dict):
            raise MalformedBody("The JSON body must be an object.")
        return value
    return parse_form(text)


def parse_delivery(
    content_type: str | None, body: bytes, max_bytes: int, *, multipart: bool = False, json_fields: tuple[str, ...] = ()
) -> dict[str, Any]:
    """An intake delivery -> a mapping: JSON, a urlencoded form or (`multipart`) multipart/form-data, each as
    strictly as `parse_form_body`; then each of `json_fields` that holds JSON text (Jotform's `rawRequest`) is
    decoded in its place."""
    media_type, _ = _media_type(content_type)
    if multipart and media_type == MULTIPART_CONTENT_TYPE:
        from chalicelib.form_data import parse_multipart

        if len(body) > max_bytes:
            raise BodyTooLarge(f"The body is {len(body)} bytes; the limit is {max_bytes} bytes.")
        if not body.strip():
            raise MalformedBody("The body is empty.")
        message = Message()
        message["content-type"] = content_type or ""
        boundary = message.get_param("boundary")
        data: dict[str, Any] = parse_multipart(body, boundary if isinstance(boundary, str) else None, MAX_FORM_FIELDS)
    elif multipart and media_type not in (JSON_CONTENT_TYPE, FORM_CONTENT_TYPE):
        shown = media_type[:60] or "none"
        raise UnsupportedMediaType(
            f"Content type {shown!r} is not accepted: send {JSON_CONTENT_TYPE}, {FORM_CONTENT_TYPE} "
            f"or {MULTIPART_CONTENT_TYPE}."
        )
    else:
        data = parse_body(content_type, body, max_bytes)
    for name in json_fields:
        value = data.get(name)
        if isinstance(value, str):
            try:
                data[name] = parse_json(value)
            except MalformedBody as exc:
                reason = exc.detail.replace("The body is not valid JSON: ", "").replace("The JSON is ", "it is ")
                raise MalformedBody(f"The field {name[:60]!r} must hold JSON text: {reason}") from exc
    return data


def parse_form(text: str, max_fields: int = MAX_FORM_FIELDS) -> dict[str, str]:
    """A urlencoded form -> fields, strictly; more than `max_fields` fields is an error, and so is a field given
    twice (`DuplicateField`: which value was meant cannot be known)."""
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, max_num_fields=max_fields, errors="strict")
    except ValueError as exc:
        raise MalformedBody(f"The form body is malformed: {str(exc)[:120]}.") from exc
    return _once_each(pairs, lambda key: DuplicateField(f"The form has the field {key[:60]!r} twice."))


def parse_page_form(content_type: str | None, body: bytes, max_bytes: int, max_fields: int) -> dict[str, str]:
    """A form a page posted -> fields, by the rules of `parse_form`: refused when it is not a urlencoded form in
    UTF-8 (`UnsupportedMediaType`), is over `max_bytes` (`BodyTooLarge`) or cannot be read (`MalformedBody`). An
    empty form is no fields (a button without inputs)."""
    media_type, charset = _media_type(content_type)
    if media_type != FORM_CONTENT_TYPE:
        shown = media_type[:60] or "none"
        raise UnsupportedMediaType(f"Content type {shown!r} is not accepted: send {FORM_CONTENT_TYPE}.")
    if len(body) > max_bytes:
        raise BodyTooLarge(f"The form is {len(body)} bytes; the limit is {max_bytes} bytes.")
    return parse_form(_decode(body, charset), max_fields)


def query_model(model: type[Query], params: Mapping[str, str]) -> Query:
    """Query parameters -> the route's query model; every bad parameter named (`InvalidFields`)."""
    try:
        return model.model_validate(dict(params))
    except ValidationError as exc:
        raise InvalidFields(field_errors(exc)) from None


class ReportQuery(BaseModel):
    """The query of GET /reports/monthly."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    month: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}$", description="YYYY-MM, in the policy's time zone")
    format: Literal["json", "csv"] | None = Field(default=None, description="json (default) or csv")
