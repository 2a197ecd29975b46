"""Hostile input for the form services' parsers and schemes: multipart bodies, JSON text inside a field, URL
tokens and vendor signature headers. Each is a 4xx problem that names nothing internal, and nothing is stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.test_hostile_input import _WORLD, nothing_stored, problem_of
from tests.conftest import World
from tests.fixtures.forms import jotform, tally, typeform
from tests.fixtures.forms.signing import JOTFORM_TOKEN, TALLY_SECRET, TYPEFORM_SECRET, tally_headers, typeform_headers

URL = f"/webhooks/jotform?token={JOTFORM_TOKEN}"
BOUNDARY = jotform.BOUNDARY
VALID_RAW = json.dumps(
    {
        "q3_name": {"first": "赵", "last": "六"},
        "q4_email": "zhao.liu@example.com",
        "q5_subject": "快递丢件",
        "q6_category": "服务",
    },
    ensure_ascii=False,
)


@pytest.fixture(autouse=True)
def secrets(world: World) -> Iterator[None]:
    configured = {"jotform": [JOTFORM_TOKEN], "typeform": [TYPEFORM_SECRET], "tally": [TALLY_SECRET]}
    world.reconfigure(webhook_secrets=configured)
    _WORLD.append(world)
    yield
    _WORLD.clear()


def part(name: str, value: str | bytes, extra: str = "") -> bytes:
    data = value.encode("utf-8") if isinstance(value, str) else value
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"{extra}\r\n\r\n'.encode()
    return head + data + b"\r\n"


def multipart(*parts: bytes, closed: bool = True) -> bytes:
    return b"".join(parts) + (f"--{BOUNDARY}--\r\n".encode() if closed else b"")


def valid_parts(raw: str | bytes = VALID_RAW) -> tuple[bytes, ...]:
    return part("formID", "243231271343446"), part("submissionID", "6084250982513018999"), part("rawRequest", raw)


CT = f"multipart/form-data; boundary={BOUNDARY}"
MULTIPART: dict[str, tuple[bytes, str, int]] = {
    "oversize multipart (70 KB)": (multipart(*valid_parts(), part("pad", "x" * 70_000)), CT, 413),
    "missing boundary": (multipart(*valid_parts()), "multipart/form-data", 400),
    "empty boundary": (multipart(*valid_parts()), "multipart/form-data; boundary=", 400),
    "boundary of 300 characters": (multipart(*valid_parts()), "multipart/form-data; boundary=" + "b" * 300, 400),
    "another boundary than the body's": (multipart(*valid_parts()), "multipart/form-data; boundary=other", 400),
    "no closing boundary": (multipart(*valid_parts(), closed=False), CT, 400),
    "cut in the middle of a part": (multipart(*valid_parts())[:150], CT, 400),
    "not multipart at all": (b'{"formID": "1"}', CT, 400),
    "empty body": (b"", CT, 400),
    "a part without a name": (
        multipart(*valid_parts(), f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n".encode()),
        CT,
        400,
    ),
    "a part that is not form-data": (
        multipart(*valid_parts(), f'--{BOUNDARY}\r\nContent-Disposition: inline; name="x"\r\n\r\nx\r\n'.encode()),
        CT,
        400,
    ),
    "a part without headers": (multipart(*valid_parts(), f"--{BOUNDARY}\r\n\r\nx\r\n".encode()), CT, 400),
    "a field twice": (multipart(*valid_parts(), part("formID", "other")), CT, 400),
    "invalid UTF-8 in a field": (multipart(*valid_parts(), part("ip", b"\xff\xfe")), CT, 400),
    "invalid UTF-8 in a part's name": (
        multipart(*valid_parts(), part("NAME", "x").replace(b"NAME", b"\xff\xfe")),
        CT,
        400,
    ),
    "a part in latin-1": (
        multipart(
            *valid_parts(),
            part("ip", "x").replace(b"\r\n\r\nx", b"\r\nContent-Type: text/plain; charset=latin-1\r\n\r\nx"),
        ),
        CT,
        415,
    ),
    "150 parts": (multipart(*valid_parts(), *(part(f"f{i}", "x") for i in range(150))), CT, 400),
    "20 headers in one part": (
        multipart(
            *valid_parts(),
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="h"\r\n'.encode()
            + b"X-A: b\r\n" * 20
            + b"\r\nx\r\n",
        ),
        CT,
        400,
    ),
    "a header line of 10 KB": (
        multipart(
            *valid_parts(),
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{"n" * 10_000}"\r\n\r\nx\r\n'.encode(),
        ),
        CT,
        400,
    ),
    "rawRequest is not JSON": (multipart(*valid_parts("{not json")), CT, 400),
    "rawRequest is empty": (multipart(*valid_parts("")), CT, 400),
    "rawRequest has a key twice": (multipart(*valid_parts('{"q4_email": "a@b.cn", "q4_email": "c@d.cn"}')), CT, 400),
    "rawRequest nested 5,000 deep": (multipart(*valid_parts("[" * 5000 + "]" * 5000)), CT, 400),
    "rawRequest with NaN": (multipart(*valid_parts('{"q4_email": NaN}')), CT, 400),
    "rawRequest that is a JSON array": (multipart(*valid_parts("[1, 2]")), CT, 422),
    "rawRequest without the submission id": (
        multipart(part("formID", "1"), part("rawRequest", VALID_RAW)),
        CT,
        422,
    ),
    "text/plain": (multipart(*valid_parts()), "text/plain", 415),
    "multipart/mixed": (multipart(*valid_parts()), f"multipart/mixed; boundary={BOUNDARY}", 415),
}


@pytest.mark.parametrize("case", list(MULTIPART), ids=list(MULTIPART))
def test_hostile_multipart_is_a_problem_and_stores_nothing(api: Any, case: str) -> None:
    body, content_type, status = MULTIPART[case]
    problem_of(api.http.post(URL, headers={"Content-Type": content_type}, body=body), status)
    assert nothing_stored()


def test_the_valid_multipart_these_cases_spoil_is_a_complaint(api: Any) -> None:
    response = api.http.post(URL, headers={"Content-Type": CT}, body=multipart(*valid_parts()))
    assert response.status_code == 201, response.body
    assert json.loads(response.body)["category"] == "service"


def test_a_file_part_is_not_kept_and_the_rest_is_a_complaint(api: Any) -> None:
    file_part = part("upload", b"\x89PNG\r\n\x1a\n\x00\xff", '; filename="photo.png"')
    response = api.http.post(URL, headers={"Content-Type": CT}, body=multipart(*valid_parts(), file_part))
    assert response.status_code == 201, response.body


def test_the_public_form_does_not_take_multipart(api: Any) -> None:
    body = multipart(part("customer_name", "赵六"), part("customer_email", "zhao.liu@example.com"))
    problem_of(api.http.post("/complaints", headers={"Content-Type": CT}, body=body), 415)
    assert nothing_stored()


TOKENS: dict[str, str] = {
    "no token": "/webhooks/jotform",
    "empty token": "/webhooks/jotform?token=",
    "wrong token": "/webhooks/jotform?token=" + "x" * len(JOTFORM_TOKEN),
    "token given twice": f"/webhooks/jotform?token={JOTFORM_TOKEN}&token=other",
    "token of 10 KB": "/webhooks/jotform?token=" + "t" * 10_240,
    "non-ASCII token": "/webhooks/jotform?token=%E4%BB%A4%E7%89%8C",
    "token with a NUL": "/webhooks/jotform?token=" + JOTFORM_TOKEN + "%00",
    "token in another parameter": f"/webhooks/jotform?api_key={JOTFORM_TOKEN}",
}


@pytest.mark.parametrize("path", list(TOKENS.values()), ids=list(TOKENS))
def test_a_wrong_or_missing_url_token_is_401_and_stores_nothing(api: Any, path: str) -> None:
    problem = problem_of(api.http.post(path, headers={"Content-Type": CT}, body=multipart(*valid_parts())), 401)
    assert JOTFORM_TOKEN not in json.dumps(problem)
    assert nothing_stored()


def _typeform_body() -> bytes:
    return typeform.body(typeform.complaint_form())


SIGNATURES: dict[str, tuple[str, dict[str, str]]] = {
    "typeform: empty": ("typeform", {"Typeform-Signature": ""}),
    "typeform: sha256= alone": ("typeform", {"Typeform-Signature": "sha256="}),
    "typeform: not base64": ("typeform", {"Typeform-Signature": "sha256=!!!!"}),
    "typeform: base64 of 31 bytes": ("typeform", {"Typeform-Signature": "sha256=" + "A" * 40 + "Aw=="}),
    "typeform: base64 of 33 bytes": ("typeform", {"Typeform-Signature": "sha256=" + "A" * 44}),
    "typeform: sha1= prefix": ("typeform", {"Typeform-Signature": "sha1=" + "A" * 43 + "="}),
    "typeform: 10 KB": ("typeform", {"Typeform-Signature": "sha256=" + "A" * 10_240}),
    "typeform: two signatures": (
        "typeform",
        {"Typeform-Signature": "sha256=" + "A" * 43 + "=, sha256=" + "A" * 43 + "="},
    ),
    "tally: empty": ("tally", {"Tally-Signature": ""}),
    "tally: not base64": ("tally", {"Tally-Signature": "not base64 at all"}),
    "tally: hex": ("tally", {"Tally-Signature": "ab" * 32}),
    "tally: base64 without padding": ("tally", {"Tally-Signature": "A" * 43}),
    "tally: sent as a Standard Webhooks signature": ("tally", {"webhook-signature": "v1," + "A" * 43 + "="}),
}


@pytest.mark.parametrize("case", list(SIGNATURES), ids=list(SIGNATURES))
def test_a_malformed_signature_header_is_401_and_stores_nothing(api: Any, case: str) -> None:
    source, header = SIGNATURES[case]
    if source == "typeform":
        body = _typeform_body()
        headers = {**typeform_headers(body), **header}
    else:
        body = tally.body(tally.complaint_form())
        headers = {**tally_headers(body), **header}
        if "webhook-signature" in header:
            del headers["Tally-Signature"]
    problem_of(api.http.post(f"/webhooks/{source}", headers=headers, body=body), 401)
    assert nothing_stored()
