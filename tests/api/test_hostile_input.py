"""Hostile input over chalice.test.Client against moto: every hostile request is answered with a 4xx
application/problem+json that names nothing internal, and nothing is stored; markup in text is kept as text;
breach notices carry none of the customer's contact details; the privacy plugin (tests/privacy.py) really fails a
session that logs one."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from chalicelib.domain.intake import Submission
from chalicelib.domain.vocabulary import Flag
from chalicelib.views import ProblemDetails
from tests.conftest import STAFF, World
from tests.intake import relay_headers
from tests.integration.helpers import invoke, received, subscribe
from tests.privacy import customer_details

ROOT = Path(__file__).resolve().parents[2]
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
INTERNAL_NAMES = ("ComplaintsTable", "arn:", "Traceback", "chalicelib", "botocore", 'File "')
CUSTOMER: dict[str, str] = {
    "customer_name": "赵六",
    "customer_email": "zhao.liu@example.com",
    "customer_phone": "+86 139 1234 5678",
}
VALID: dict[str, Any] = {
    **CUSTOMER,
    "category": "service",
    "subject": "快递丢件",
    "description": "包裹三天没有到。",
}
EVENT: dict[str, Any] = {"type": "note", "by": "li.lei", "note": "called back"}  # the test token's person


def js(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def raw_in(fields: dict[str, Any], name: str, raw: bytes) -> bytes:
    """A JSON body whose field `name` holds the raw bytes `raw` (inside the string's quotes)."""
    return js({**fields, name: "@@RAW@@"}).replace(b"@@RAW@@", raw)


def literal_in(fields: dict[str, Any], name: str, literal: bytes) -> bytes:
    """A JSON body whose field `name` holds the raw JSON text `literal` (a number, an array...)."""
    return js({**fields, name: "@@RAW@@"}).replace(b'"@@RAW@@"', literal)


def form(pairs: list[tuple[str, str]]) -> bytes:
    return urlencode(pairs).encode("ascii")


FORM_PAIRS = [(name, str(value)) for name, value in VALID.items()]


def deep(opening: bytes, closing: bytes, depth: int, leaf: bytes = b"1") -> bytes:
    return opening * depth + leaf + closing * depth


@dataclass(frozen=True)
class Hostile:
    """One hostile request: its body, content type, extra headers, the status it must get and the field named."""

    body: bytes
    status: int
    content_type: str | None = JSON
    headers: dict[str, str] = field(default_factory=dict)
    names: str | None = None
    bug: str | None = None  # a known product bug: the case is a strict xfail until it is fixed


def cases(table: dict[str, Hostile]) -> list[Any]:
    return [
        pytest.param(case, id=name, marks=[pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else [])
        for name, case in table.items()
    ]


# ---- POST /complaints -------------------------------------------------------------------------------------------

INTAKE: dict[str, Hostile] = {
    # invalid UTF-8, in JSON and in forms
    "json invalid utf-8 in customer_name": Hostile(raw_in(VALID, "customer_name", b"\xff\xfe"), 400),
    "json overlong utf-8 in subject": Hostile(raw_in(VALID, "subject", b"\xc0\xaf"), 400),
    "json utf-8 encoded surrogate in description": Hostile(raw_in(VALID, "description", b"\xed\xa0\x80"), 400),
    "json truncated utf-8 sequence in external_id": Hostile(raw_in(VALID, "external_id", b"\xe6\x8a"), 400),
    "form raw invalid utf-8 byte": Hostile(form(FORM_PAIRS[1:]) + b"&customer_name=\xff", 400, FORM),
    "form invalid percent-escapes %ff%fe": Hostile(form(FORM_PAIRS[1:]) + b"&customer_name=%ff%fe", 400, FORM),
    "form percent-encoded surrogate": Hostile(form(FORM_PAIRS[1:]) + b"&customer_name=%ed%a0%80", 400, FORM),
    "form percent-encoded overlong slash": Hostile(form(FORM_PAIRS[:-1]) + b"&description=%c0%af", 400, FORM),
    # NUL and other control characters, escaped in JSON (so they reach validation) and in forms
    **{
        f"json {label} in {name}": Hostile(js({**VALID, name: f"赵{char}六"}), 422, names=name)
        for name, label, char in [
            ("customer_name", "NUL", "\x00"),
            ("subject", "NUL", "\x00"),
            ("description", "NUL", "\x00"),
            ("external_id", "NUL", "\x00"),
            ("customer_tier", "NUL", "\x00"),
            ("customer_name", "ESC", "\x1b"),
            ("subject", "DEL", "\x7f"),
            ("subject", "C1 NEL", "\x85"),
            ("subject", "tab", "\t"),
            ("customer_name", "line break", "\n"),
            ("external_id", "carriage return", "\r"),
            ("description", "backspace", "\x08"),
        ]
    },
    "json NUL in customer_email": Hostile(
        js({**VALID, "customer_email": "zhao\x00@example.com"}), 422, names="customer_email"
    ),
    "json NUL in customer_phone": Hostile(
        js({**VALID, "customer_phone": "139\x0012345678"}), 422, names="customer_phone"
    ),
    "json NUL in nested customer name": Hostile(
        js({"customer": {"name": "赵\x00六", "email": "zhao.liu@example.com"}, "category": "service", "subject": "s"}),
        422,
        names="customer_name",
    ),
    "json raw NUL byte inside a string": Hostile(raw_in(VALID, "subject", b"a\x00b"), 400),
    "json raw line break inside a string": Hostile(raw_in(VALID, "subject", b"a\nb"), 400),
    "form NUL in customer_name": Hostile(
        form([*FORM_PAIRS[1:], ("customer_name", "赵\x00六")]), 422, FORM, names="customer_name"
    ),
    "form ESC in subject": Hostile(
        form([*FORM_PAIRS[:4], ("subject", "a\x1bb"), *FORM_PAIRS[5:]]), 422, FORM, names="subject"
    ),
    "form NUL in description": Hostile(
        form([*FORM_PAIRS[:-1], ("description", "\x00")]), 422, FORM, names="description"
    ),
    "form raw NUL byte in customer_phone": Hostile(
        form([(k, v) for k, v in FORM_PAIRS if k != "customer_phone"]) + b"&customer_phone=139\x0012345678",
        422,
        FORM,
        names="customer_phone",
    ),
    # nesting
    "json arrays nested 5,000 deep": Hostile(deep(b"[", b"]", 5000), 400),
    "json objects nested 5,000 deep": Hostile(deep(b'{"a":', b"}", 5000), 400),
    "json arrays nested 1,500 deep": Hostile(deep(b"[", b"]", 1500), 400),
    "json objects nested 1,500 deep": Hostile(deep(b'{"a":', b"}", 1500), 400),
    "json description nested 3,000 deep": Hostile(literal_in(VALID, "description", deep(b"[", b"]", 3000)), 400),
    "json customer name nested 40 deep": Hostile(
        js({**VALID, "customer": {"name": json.loads(deep(b"[", b"]", 40))}}), 400
    ),
    "json unknown field nested 100 deep": Hostile(js({**VALID, "extra": json.loads(deep(b'{"a":', b"}", 100))}), 400),
    # numbers thousands of digits long
    "json int of 5,000 digits in customer_phone": Hostile(literal_in(VALID, "customer_phone", b"9" * 5000), 400),
    "json int of 5,000 digits in an unknown field": Hostile(js(VALID)[:-1] + b', "n": ' + b"9" * 5000 + b"}", 400),
    "json int of 4,000 digits in an unknown field": Hostile(js(VALID)[:-1] + b', "n": ' + b"9" * 4000 + b"}", 400),
    "json float of 5,000 fraction digits in an unknown field": Hostile(
        js(VALID)[:-1] + b', "n": 0.' + b"0" * 5000 + b"1}", 400
    ),
    "json int of 4,000 digits in customer_phone": Hostile(literal_in(VALID, "customer_phone", b"9" * 4000), 400),
    "json negative int of 20,000 digits": Hostile(js(VALID)[:-1] + b', "n": -' + b"1" * 20000 + b"}", 400),
    "json float 1e999999 in priority": Hostile(literal_in(VALID, "priority", b"1e999999"), 400),
    "json float -1e999999 in an unknown field": Hostile(js(VALID)[:-1] + b', "n": -1e999999}', 400),
    "json float 1e400": Hostile(js(VALID)[:-1] + b', "n": 1e400}', 400),
    "json float of 5,000 integer digits": Hostile(js(VALID)[:-1] + b', "n": ' + b"7" * 5000 + b".5}", 400),
    "json NaN": Hostile(js(VALID)[:-1] + b', "n": NaN}', 400),
    "json Infinity": Hostile(js(VALID)[:-1] + b', "n": Infinity}', 400),
    "json -Infinity": Hostile(js(VALID)[:-1] + b', "n": -Infinity}', 400),
    # duplicate keys
    "json duplicate top-level key": Hostile(js(VALID)[:-1] + b', "subject": "another"}', 400),
    "json duplicate key spelled with an escape": Hostile(js(VALID)[:-1] + b', "\\u0073ubject": "another"}', 400),
    "json duplicate key in customer": Hostile(
        b'{"customer": {"name": "\xe8\xb5\xb5\xe5\x85\xad", "name": "x", "email": "zhao.liu@example.com"},'
        b' "category": "service", "subject": "s"}',
        400,
    ),
    # arrays (and scalars) where objects belong
    "json body is an array of the complaint": Hostile(js([VALID]), 400),
    "json body is an empty array": Hostile(b"[]", 400),
    "json body is a string": Hostile(b'"complaint"', 400),
    "json body is a number": Hostile(b"42", 400),
    "json body is null": Hostile(b"null", 400),
    "json body is true": Hostile(b"true", 400),
    "json customer is an array": Hostile(
        js({"customer": [{"name": "赵六", "email": "zhao.liu@example.com"}], "category": "service", "subject": "s"}),
        422,
        names="customer",
    ),
    "json customer is a string": Hostile(
        js({"customer": "赵六", "category": "service", "subject": "s"}), 422, names="customer"
    ),
    "json customer is a number": Hostile(
        js({"customer": 7, "category": "service", "subject": "s"}), 422, names="customer"
    ),
    "json customer is true": Hostile(
        js({"customer": True, "category": "service", "subject": "s"}), 422, names="customer"
    ),
    # huge and invalid headers
    "10 KB Idempotency-Key": Hostile(
        js(VALID), 422, headers={"Idempotency-Key": "k" * 10_240}, names="idempotency-key"
    ),
    "10 KB webhook-id": Hostile(js(VALID), 422, headers={"webhook-id": "m" * 10_240}, names="webhook-id"),
    "Idempotency-Key with a control character": Hostile(
        js(VALID), 422, headers={"Idempotency-Key": "key\x01"}, names="idempotency-key"
    ),
    "non-ASCII webhook-id": Hostile(js(VALID), 422, headers={"webhook-id": "消息-1"}, names="webhook-id"),
    "10 KB content type": Hostile(js(VALID), 415, "application/" + "x" * 10_240),
    # empty bodies
    "json empty body": Hostile(b"", 400),
    "json whitespace body": Hostile(b" \r\n\t ", 400),
    "form empty body": Hostile(b"", 400, FORM),
    "empty body without a content type": Hostile(b"", 415, None),
    "json empty object": Hostile(b"{}", 422, names="customer_name"),
    # charsets that lie
    "charset=utf-8 with latin-1 bytes": Hostile(
        js({**VALID, "customer_name": "José"}).replace("José".encode(), "José".encode("latin-1")),
        400,
        "application/json; charset=utf-8",
    ),
    "charset=utf-16 with utf-16 bytes": Hostile(
        json.dumps(VALID, ensure_ascii=False).encode("utf-16"), 415, "application/json; charset=utf-16"
    ),
    "charset=utf-16 with utf-8 bytes": Hostile(js(VALID), 415, "application/json; charset=utf-16"),
    "charset=utf-32": Hostile(js(VALID), 415, "application/json; charset=utf-32"),
    "form charset=iso-8859-1": Hostile(form(FORM_PAIRS), 415, f"{FORM}; charset=iso-8859-1"),
    "utf-16 bytes without a charset": Hostile(json.dumps(VALID, ensure_ascii=False).encode("utf-16"), 400),
    # lone surrogates
    **{
        f"json lone surrogate {label} in {name}": Hostile(raw_in(VALID, name, escape.encode("ascii")), 422, names=name)
        for name, label, escape in [
            ("customer_name", "\\ud800", "\\ud800"),
            ("subject", "\\udfff", "\\udfff"),
            ("description", "\\udc00", "a\\udc00b"),
            ("external_id", "\\ud83d", "\\ud83d"),
            ("subject", "reversed pair", "\\udc00\\ud800"),
            ("customer_email", "\\ud800", "zhao\\ud800@example.com"),
        ]
    },
    "json lone surrogate in nested customer name": Hostile(
        b'{"customer": {"name": "\\ud800", "email": "zhao.liu@example.com"}, "category": "service", "subject": "s"}',
        422,
        names="customer_name",
    ),
    # forms: a field twice, malformed pairs, too many fields
    "form customer_name twice": Hostile(form([*FORM_PAIRS, ("customer_name", "王五")]), 400, FORM),
    "form subject twice with the same value": Hostile(form([*FORM_PAIRS, ("subject", VALID["subject"])]), 400, FORM),
    "form pair without =": Hostile(form(FORM_PAIRS) + b"&orphan", 400, FORM),
    "form of 1,000 fields": Hostile(form([*FORM_PAIRS, *[(f"f{i}", "x") for i in range(1000)]]), 400, FORM),
    # byte order marks
    "json with a utf-8 BOM": Hostile(b"\xef\xbb\xbf" + js(VALID), 400),
    "json with a utf-16 BOM": Hostile(b"\xff\xfe" + json.dumps(VALID).encode("utf-16-le"), 400),
}


def problem_of(response: Any, status: int) -> dict[str, Any]:
    """The response is the expected 4xx problem+json, and names nothing internal."""
    text = response.body.decode("utf-8", "replace") if isinstance(response.body, bytes) else str(response.body)
    assert response.status_code == status, text
    assert 400 <= response.status_code < 500
    assert response.headers["Content-Type"] == "application/problem+json"
    problem: dict[str, Any] = json.loads(text)
    ProblemDetails.model_validate(problem)
    assert problem["status"] == status
    assert problem["detail"]
    shown = text + json.dumps(dict(response.headers))
    for name in INTERNAL_NAMES:
        assert name not in shown, f"{name!r} in {shown[:500]}"
    return problem


_WORLD: list[World] = []


@pytest.fixture(autouse=True)
def _current_world(request: pytest.FixtureRequest) -> Iterator[None]:
    """The world the test's app runs on (the twins, or moto for the notices test), for `stored()`."""
    name = "aws_world" if "aws_world" in request.fixturenames else "world"
    _WORLD.append(request.getfixturevalue(name))
    yield
    _WORLD.clear()


def stored() -> Any:
    """Everything stored now."""
    return _WORLD[0].stored()


def nothing_stored() -> bool:
    return _WORLD[0].is_empty()


def send(api: Any, path: str, case: Hostile, extra: dict[str, str] | None = None) -> Any:
    headers = {**({"Content-Type": case.content_type} if case.content_type is not None else {}), **case.headers}
    return api.http.post(path, headers={**headers, **(extra or {})}, body=case.body)


@pytest.mark.parametrize("case", cases(INTAKE))
def test_hostile_intake_is_a_problem_and_stores_nothing(api: Any, case: Hostile) -> None:
    problem = problem_of(send(api, "/complaints", case), case.status)
    if case.names is not None:
        assert case.names in {error["field"] for error in problem["errors"]}
    assert nothing_stored()


# Every field of a submission, and values of each JSON type that is not a string. Null is only wrong where the
# field is required (an optional field may be null: it is then absent).
SUBMISSION_FIELDS = tuple(Submission.model_fields)
REQUIRED = {"customer_name", "category", "subject"}
WRONG_VALUES: dict[str, Any] = {"int": 7, "float": 1.5, "true": True, "array": ["x"], "object": {"a": "b"}}
# Falsy non-strings, on the fields that have a default: `value or default` would take them for "not given".
FALSY_VALUES: dict[str, Any] = {"zero": 0, "false": False, "empty array": [], "empty object": {}}
DEFAULTED = {"customer_tier", "priority", "complexity", "channel"}
FLAGS = {flag.value for flag in Flag}  # yes/no fields: true is right for them; text other than yes/no is not


def _wrong_type_cases() -> list[Any]:
    params: list[Any] = []
    for name in SUBMISSION_FIELDS:
        values = dict(WRONG_VALUES) | ({"null": None} if name in REQUIRED else {})
        if name in FLAGS:
            values = {label: value for label, value in values.items() if value is not True} | {"text": "maybe"}
        if name in DEFAULTED | {"description", "customer_email"}:
            values |= FALSY_VALUES
        params.extend(pytest.param(name, value, id=f"{name} {label}") for label, value in values.items())
    return params


@pytest.mark.parametrize(("name", "value"), _wrong_type_cases())
def test_a_wrong_type_for_any_intake_field_is_a_field_error(api: Any, name: str, value: Any) -> None:
    response = api.http.post("/complaints", headers={"Content-Type": JSON}, body=js({**VALID, name: value}))
    problem = problem_of(response, 422)
    assert name in {error["field"] for error in problem["errors"]}
    assert nothing_stored()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        pytest.param("name", 7, id="customer name int"),
        pytest.param("email", ["zhao.liu@example.com"], id="customer email array"),
        pytest.param("phone", 13912345678, id="customer phone int"),
        pytest.param("name", None, id="customer name null"),
        pytest.param("name", {"first": "六"}, id="customer name object"),
    ],
)
def test_a_wrong_type_in_the_nested_customer_is_a_field_error(api: Any, name: str, value: Any) -> None:
    customer = {"name": "赵六", "email": "zhao.liu@example.com", name: value}
    body = {"customer": customer, "category": "service", "subject": "s"}
    problem_of(api.http.post("/complaints", headers={"Content-Type": JSON}, body=js(body)), 422)
    assert nothing_stored()


# ---- POST /complaints/{id}/events (staff) -----------------------------------------------------------------------

EVENTS: dict[str, Hostile] = {
    "json invalid utf-8 in note": Hostile(raw_in(EVENT, "note", b"\xff\xfe"), 400),
    "json utf-8 encoded surrogate in by": Hostile(raw_in(EVENT, "by", b"\xed\xa0\x80"), 400),
    "json NUL in by": Hostile(js({**EVENT, "by": "li\x00lei"}), 422, names="by"),
    "json NUL in note": Hostile(js({**EVENT, "note": "a\x00b"}), 422, names="note"),
    "json ESC in assignee": Hostile(
        js({"type": "assign", "by": "li.lei", "assignee": "x\x1by"}), 422, names="assignee"
    ),
    "json tab in by": Hostile(js({**EVENT, "by": "li\tlei"}), 422, names="by"),
    "json raw NUL byte inside a string": Hostile(raw_in(EVENT, "note", b"a\x00b"), 400),
    "json arrays nested 5,000 deep": Hostile(deep(b"[", b"]", 5000), 400),
    "json objects nested 5,000 deep": Hostile(deep(b'{"a":', b"}", 5000), 400),
    "json note nested 1,500 deep": Hostile(literal_in(EVENT, "note", deep(b"[", b"]", 1500)), 400),
    "json score of 5,000 digits": Hostile(js(EVENT)[:-1] + b', "score": ' + b"9" * 5000 + b"}", 400),
    "json score 1e999999": Hostile(js(EVENT)[:-1] + b', "score": 1e999999}', 400),
    "json score NaN": Hostile(js(EVENT)[:-1] + b', "score": NaN}', 400),
    "json duplicate type": Hostile(js(EVENT)[:-1] + b', "type": "resolve"}', 400),
    "json body is an array of the event": Hostile(js([EVENT]), 400),
    "json body is a string": Hostile(b'"note"', 400),
    "json body is null": Hostile(b"null", 400),
    "10 KB Idempotency-Key": Hostile(
        js(EVENT), 422, headers={"Idempotency-Key": "k" * 10_240}, names="idempotency-key"
    ),
    "json empty body": Hostile(b"", 400),
    "json empty object": Hostile(b"{}", 422, names="type"),
    "no content type": Hostile(js(EVENT), 415, None),
    "a form body": Hostile(form(list(EVENT.items())), 415, FORM),
    "charset=utf-8 with latin-1 bytes": Hostile(
        js({**EVENT, "note": "José"}).replace("José".encode(), "José".encode("latin-1")),
        400,
        "application/json; charset=utf-8",
    ),
    "charset=utf-16": Hostile(json.dumps(EVENT).encode("utf-16"), 415, "application/json; charset=utf-16"),
    "json lone surrogate in note": Hostile(raw_in(EVENT, "note", b"\\ud800"), 422, names="note"),
    "json lone surrogate in by": Hostile(raw_in(EVENT, "by", b"\\udfff"), 422, names="by"),
    "json with a utf-8 BOM": Hostile(b"\xef\xbb\xbf" + js(EVENT), 400),
    "json unknown field": Hostile(js({**EVENT, "customer_name": "赵六"}), 422, names="customer_name"),
}

EVENT_FIELDS = ("type", "by", "note", "at", "assignee", "reason", "score")


def _event_wrong_types() -> list[Any]:
    params: list[Any] = []
    for name in EVENT_FIELDS:
        values = dict(WRONG_VALUES) | ({"null": None, "false": False} if name == "type" else {})
        if name == "by":
            values["false"] = False
        if name == "score":
            values = {"string": "5", "float": 1.5, "true": True, "array": [5], "out of range": 6}
        params.extend(pytest.param(name, value, id=f"{name} {label}") for label, value in values.items())
    return params


@pytest.fixture
def complaint_id(api: Any) -> str:
    response = api.http.post("/complaints", headers={"Content-Type": JSON}, body=js(VALID))
    assert response.status_code == 201, response.body
    created: str = json.loads(response.body)["id"]
    return created


@pytest.mark.parametrize("case", cases(EVENTS))
def test_hostile_staff_event_is_a_problem_and_records_nothing(api: Any, complaint_id: str, case: Hostile) -> None:
    before = stored()
    problem = problem_of(send(api, f"/complaints/{complaint_id}/events", case, STAFF), case.status)
    if case.names is not None:
        assert case.names in {error["field"] for error in problem["errors"]}
    assert stored() == before


@pytest.mark.parametrize(("name", "value"), _event_wrong_types())
def test_a_wrong_type_for_any_event_field_is_a_field_error(api: Any, complaint_id: str, name: str, value: Any) -> None:
    before = stored()
    body = {**EVENT, name: value}
    response = api.http.post(
        f"/complaints/{complaint_id}/events", headers={"Content-Type": JSON, **STAFF}, body=js(body)
    )
    problem = problem_of(response, 422)
    assert name in {error["field"] for error in problem["errors"]}
    assert stored() == before


# ---- ids in URLs --------------------------------------------------------------------------------------------------

ROUTED_IDS = {
    "encoded ../": "%2e%2e%2f",
    "encoded ../../etc/passwd": "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%2f..%2fetc%2fpasswd": "..%2f..%2fetc%2fpasswd",
    "..": "..",
    "5,000 characters": "a" * 5000,
    "5,000 hex digits": "0" * 5000,
    "33 hex digits": "0" * 33,
    "uppercase hex": "A" * 32,
    "encoded NUL": "%00",
    "encoded quote and SQL": quote("' OR 1=1 --", safe=""),
    "Chinese": quote("赵六", safe=""),
    "encoded invalid utf-8": "%ff%fe",
}
UNROUTED_PATHS = {
    "../../etc/passwd": "/complaints/../../etc/passwd",
    "../../etc/passwd then events": "/complaints/../../etc/passwd/events",
    "id/../id": "/complaints/" + "0" * 32 + "/../" + "0" * 32,
    "double slash": "/complaints//events",
}


@pytest.mark.parametrize("suffix", ["", "/events"], ids=["complaint", "events"])
@pytest.mark.parametrize("value", list(ROUTED_IDS.values()), ids=list(ROUTED_IDS))
def test_hostile_ids_in_staff_urls_are_404(api: Any, complaint_id: str, value: str, suffix: str) -> None:
    before = stored()
    problem_of(api.http.get(f"/complaints/{value}{suffix}", headers=STAFF), 404)
    if suffix:
        problem_of(send(api, f"/complaints/{value}{suffix}", Hostile(js(EVENT), 404), STAFF), 404)
    assert stored() == before


@pytest.mark.parametrize("path", list(UNROUTED_PATHS.values()), ids=list(UNROUTED_PATHS))
def test_traversal_paths_are_refused(api: Any, complaint_id: str, path: str) -> None:
    before = stored()
    for response in (
        api.http.get(path, headers=STAFF),
        api.http.post(path, headers={"Content-Type": JSON, **STAFF}, body=js(EVENT)),
    ):
        # No route matches: the gateway (API Gateway, or chalice's local one) answers, with 403 or 404.
        assert response.status_code in (403, 404), response.body
        text = response.body.decode("utf-8", "replace")
        for name in INTERNAL_NAMES:
            assert name not in text
        if response.headers.get("Content-Type") == "application/problem+json":
            problem_of(response, response.status_code)
    assert stored() == before


# ---- markup is text ---------------------------------------------------------------------------------------------

MARKUP = '<script>alert(1)</script> <img src=x onerror=alert(1)> "quoted" & [{"not": "json"}]'


@pytest.mark.parametrize("content_type", [JSON, FORM])
def test_markup_in_text_is_stored_and_returned_exactly(api: Any, content_type: str) -> None:
    payload = {**VALID, "subject": MARKUP[:200], "description": f"{MARKUP}\n第二行 <b>粗体</b> {'[' * 100}"}
    body = js(payload) if content_type == JSON else form(list(payload.items()))
    created = api.http.post("/complaints", headers={"Content-Type": content_type}, body=body)
    assert created.status_code == 201, created.body
    assert created.headers["Content-Type"] == "application/json"
    answer = json.loads(created.body)
    assert answer["subject"] == payload["subject"]
    shown = api.http.get(f"/complaints/{answer['id']}", headers=STAFF)
    assert shown.status_code == 200
    assert shown.headers["Content-Type"] == "application/json"
    complaint = json.loads(shown.body)
    assert complaint["subject"] == payload["subject"]
    assert complaint["description"] == payload["description"]
    note = {"type": "note", "by": "li.lei", "note": MARKUP}
    after = api.http.post(f"/complaints/{answer['id']}/events", headers={"Content-Type": JSON, **STAFF}, body=js(note))
    assert after.status_code == 200, after.body
    trail = json.loads(api.http.get(f"/complaints/{answer['id']}/events", headers=STAFF).body)["items"]
    assert [event["details"].get("note") for event in trail if event["type"] == "note"] == [MARKUP]


# ---- notices carry no contact details -----------------------------------------------------------------------------

NOW = datetime.now(UTC).replace(microsecond=0)


def _scan(api: Any, at: datetime) -> None:
    _WORLD[0].at(at)
    invoke(api, "scan_due")


def _post(api: Any, body: bytes, content_type: str = JSON) -> str:
    """Through the signed relay (the public form may not say when it was received)."""
    headers = {**relay_headers(body.decode("utf-8")), "Content-Type": content_type}
    response = api.http.post("/webhooks/relay", headers=headers, body=body)
    assert response.status_code == 201, response.body
    created: str = json.loads(response.body)["id"]
    return created


def test_notices_carry_none_of_the_customers_details(aws_api: Any, aws_world: World) -> None:
    """On moto: what really goes to SNS (message, subject, attributes), every level on the way."""
    api = aws_api
    assert aws_world.resources is not None
    everything = subscribe(aws_world.resources.topics["AlertsTopic"], "privacy-everything")
    received_at = (NOW - timedelta(minutes=25)).isoformat()
    # The customer's details in every shape the intake takes, and repeated in the free text they wrote.
    in_text = {"description": "请回电 13912345678 或发邮件 zhao.liu@example.com，赵六"}
    ids = [
        _post(api, js({**VALID, **in_text, "priority": "urgent", "received_at": received_at})),
        _post(api, js({**VALID, "category": "product_quality", "received_at": received_at, "external_id": "pq-1"})),
        _post(
            api,
            js(
                {
                    "customer": {"name": "张三", "email": "zhang.san@example.com", "phone": "+86 138 0013 8000"},
                    "category": "staff",
                    "priority": "important",
                    "subject": "s",
                    "received_at": received_at,
                }
            ),
        ),
        _post(api, form([*FORM_PAIRS, ("received_at", received_at), ("external_id", "form-1")]), FORM),
    ]
    assign = {"type": "assign", "assignee": "wang.wei"}
    api.http.post(f"/complaints/{ids[0]}/events", headers={"Content-Type": JSON, **STAFF}, body=js(assign))
    envelopes: list[dict[str, Any]] = []
    for minutes in (0, 30, 60, 24 * 60, 5 * 24 * 60):  # warning, minor, major, escalation on the way
        _scan(api, NOW + timedelta(minutes=minutes))
        envelopes.extend(received(everything))
    levels = {json.loads(envelope["Message"])["level"] for envelope in envelopes}
    assert {"warning", "minor", "major", "escalation"} <= levels
    assert {json.loads(envelope["Message"])["complaint_id"] for envelope in envelopes} == set(ids)
    details = customer_details()
    assert {"赵六", "zhao.liu@example.com", "张三", "zhang.san@example.com"} <= set(details)
    phones = {digits[-11:] for d in details if "@" not in d and len(digits := re.sub(r"\D", "", d)) >= 7}
    for envelope in envelopes:
        attributes = {name: value.get("Value") for name, value in envelope.get("MessageAttributes", {}).items()}
        text = json.dumps([envelope["Message"], envelope.get("Subject"), attributes], ensure_ascii=False)
        for detail in details:
            assert detail not in text, f"{detail!r} in notice {text[:400]}"
        squeezed = re.sub(r"(?<=\d)[\s\-().]+(?=\d)", "", text)
        for phone in phones:
            assert phone not in squeezed, f"phone {phone} in notice {text[:400]}"


# ---- the privacy plugin really fails a session ------------------------------------------------------------------


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist workers"])
def test_the_privacy_plugin_fails_a_session_that_logs_a_customer_detail(tmp_path: Path, workers: list[str]) -> None:
    (tmp_path / "test_throwaway.py").write_text(
        textwrap.dedent(
            """
            import logging

            def test_clean():
                logging.getLogger("chalicelib.services.intake").info("complaint %s created", "abc")

            def test_leaks_a_phone_at_debug():
                logging.getLogger("chalicelib.services.intake").debug("calling %s back", "138-0013-8000")

            def test_leaks_an_email_in_exception_text():
                app_log = logging.getLogger("complaint-sla-monitor")
                app_log.propagate = False  # as Chalice configures the app's logger
                try:
                    raise ValueError("no mailbox zhang.san@example.com")
                except ValueError:
                    app_log.exception("unhandled error in post_complaint")
            """
        ),
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "pytest", "-p", "tests.privacy", "-p", "no:cacheprovider", "-q", *workers]
    command += ["--rootdir", str(tmp_path), "-c", str(tmp_path / "none.ini"), str(tmp_path / "test_throwaway.py")]
    (tmp_path / "none.ini").write_text("[pytest]\n", encoding="utf-8")
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "3 passed" in output
    assert "privacy: customer contact details in log records" in output
    assert "test_leaks_a_phone_at_debug: chalicelib.services.intake DEBUG" in output
    assert "test_leaks_an_email_in_exception_text: complaint-sla-monitor ERROR" in output
    assert "'zhang.san@example.com'" in output
    assert "test_clean:" not in output
