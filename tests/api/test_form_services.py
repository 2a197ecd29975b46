"""Form services as they really send: each vendor's published sample (tests/fixtures/forms/), adapted only where a
complaint form differs, signed the vendor's way and posted to its source in the shipped sources file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import STAFF, World
from tests.fixtures.forms import jotform, tally, typeform, wjx
from tests.fixtures.forms.signing import (
    JOTFORM_TOKEN,
    TALLY_SECRET,
    TYPEFORM_SECRET,
    WJX_TOKEN,
    tally_headers,
    typeform_headers,
)

OLD_TYPEFORM_SECRET = "0123456789abcdef0123456789abcdef01234567"
TYPEFORM_NOW = datetime(2018, 1, 18, 18, 20, tzinfo=UTC)  # the example was submitted at 18:17:02Z
TALLY_NOW = datetime(2023, 6, 28, 15, 1, tzinfo=UTC)  # created 15:00:21Z
WJX_NOW = datetime(2016, 8, 23, 2, 5, tzinfo=UTC)  # submitted 2016-08-23 10:01:59 Beijing time


@pytest.fixture(autouse=True)
def secrets(world: World) -> None:
    configured = {
        "typeform": [TYPEFORM_SECRET, OLD_TYPEFORM_SECRET],
        "tally": [TALLY_SECRET],
        "jotform": [JOTFORM_TOKEN],
        "wjx": [WJX_TOKEN],
    }
    world.reconfigure(webhook_secrets=configured)


def staff_view(api: Any, response: Any) -> dict[str, Any]:
    created = json.loads(response.body)
    shown: dict[str, Any] = json.loads(api.http.get(f"/complaints/{created['id']}", headers=STAFF).body)
    return shown


def post(api: Any, path: str, body: bytes, headers: dict[str, str]) -> Any:
    return api.http.post(path, headers=headers, body=body)


# ---- Typeform ----------------------------------------------------------------------------------------------------


def test_the_typeform_example_with_a_product_quality_choice_becomes_a_product_quality_complaint(
    world: World, api: Any
) -> None:
    world.at(TYPEFORM_NOW)
    body = typeform.body(typeform.complaint_form(category="产品质量"))
    response = post(api, "/webhooks/typeform", body, typeform_headers(body))
    assert response.status_code == 201, response.body
    shown = staff_view(api, response)
    assert shown["category"] == "product_quality"
    assert shown["priority"] == "important"  # no priority given: the policy's `assign` rule for product quality
    assert shown["customer"] == {"name": "Laura", "email": "laura@example.com", "phone": None}
    assert shown["customer"] == {
        "name": typeform.EXPECTED["customer_name"],
        "email": typeform.EXPECTED["customer_email"],
        "phone": None,
    }
    assert shown["subject"] == typeform.SUBJECT
    assert shown["description"].startswith("It's cold right now!")
    assert shown["external_id"] == "a3a12ec67a1365927098a606107fac15"
    assert shown["received_at"] == "2018-01-19T02:17:02+08:00"
    assert "site_visit" in shown["clocks"]


def test_a_typeform_partial_response_is_answered_202_and_stores_nothing(world: World, api: Any) -> None:
    world.at(TYPEFORM_NOW)
    body = typeform.body(typeform.complaint_form(event_type="form_response_partial"))
    response = post(api, "/webhooks/typeform", body, typeform_headers(body))
    assert response.status_code == 202, response.body
    answer = json.loads(response.body)
    assert answer["stored"] is False
    assert "form_response_partial" in answer["detail"]
    assert world.complaint_count() == 0


def _typeform_tampered(kind: str) -> tuple[bytes, dict[str, str]]:
    body = typeform.body(typeform.complaint_form())
    headers = typeform_headers(body)
    signature = headers["Typeform-Signature"]
    if kind == "wrong secret":
        return body, typeform_headers(body, secret="someone-else's-secret")
    if kind == "tampered body":
        return body.replace("产品质量".encode(), "服务".encode()), headers
    if kind == "no header":
        return body, {"Content-Type": "application/json"}
    if kind == "no sha256= prefix":
        return body, {**headers, "Typeform-Signature": signature.removeprefix("sha256=")}
    if kind == "hex instead of base64":
        return body, {**headers, "Typeform-Signature": "sha256=" + "ab" * 32}
    if kind == "truncated":
        return body, {**headers, "Typeform-Signature": signature[:-8]}
    if kind == "a Standard Webhooks signature":
        return body, {**headers, "Typeform-Signature": "v1," + signature.removeprefix("sha256=")}
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("wrong secret", "no signature matches"),
        ("tampered body", "no signature matches"),
        ("no header", "missing header: Typeform-Signature"),
        ("no sha256= prefix", "malformed"),
        ("hex instead of base64", "malformed"),
        ("truncated", "malformed"),
        ("a Standard Webhooks signature", "malformed"),
    ],
)
def test_a_typeform_delivery_with_a_bad_signature_is_401_and_stores_nothing(
    world: World, api: Any, kind: str, reason: str
) -> None:
    world.at(TYPEFORM_NOW)
    response = post(api, "/webhooks/typeform", *_typeform_tampered(kind))
    assert response.status_code == 401, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    assert reason in json.loads(response.body)["detail"]
    assert world.complaint_count() == 0


def test_a_typeform_secret_being_rotated_out_still_verifies(world: World, api: Any) -> None:
    world.at(TYPEFORM_NOW)
    body = typeform.body(typeform.complaint_form())
    assert post(api, "/webhooks/typeform", body, typeform_headers(body, OLD_TYPEFORM_SECRET)).status_code == 201


def test_a_replayed_typeform_delivery_is_the_complaint_the_first_one_made(world: World, api: Any) -> None:
    world.at(TYPEFORM_NOW)
    body = typeform.body(typeform.complaint_form())
    first = post(api, "/webhooks/typeform", body, typeform_headers(body))
    again = post(api, "/webhooks/typeform", body, typeform_headers(body))
    assert (first.status_code, again.status_code) == (201, 200)
    assert json.loads(first.body)["id"] == json.loads(again.body)["id"]
    assert world.complaint_count() == 1


def test_a_priority_in_a_typeform_hidden_field_is_not_taken(world: World, api: Any) -> None:
    world.at(TYPEFORM_NOW)
    body = typeform.body(typeform.complaint_form(hidden={"user_id": "abc123456", "priority": "urgent"}))
    response = post(api, "/webhooks/typeform", body, typeform_headers(body))
    assert response.status_code == 201, response.body
    assert json.loads(response.body)["priority"] != "urgent"  # the policy's `assign` rules give it instead


def test_a_typeform_variable_computed_by_the_form_sets_the_priority(world: World, api: Any) -> None:
    world.at(TYPEFORM_NOW)
    variables: list[dict[str, Any]] = [
        {"key": "score", "type": "number", "number": 4},
        {"key": "priority", "type": "text", "text": "紧急"},
    ]
    body = typeform.body(typeform.complaint_form(variables=variables))
    response = post(api, "/webhooks/typeform", body, typeform_headers(body))
    assert response.status_code == 201, response.body
    assert json.loads(response.body)["priority"] == "urgent"
    assert json.loads(response.body)["policy"]["name"] == "urgent"


@pytest.mark.parametrize(
    ("label", "category"),
    [
        ("Product quality", "product_quality"),
        ("ＰＲＯＤＵＣＴ　ＱＵＡＬＩＴＹ", "product_quality"),
        ("服务", "service"),
        ("Customer service", "service"),
        ("Staff conduct", "staff"),
        ("员工", "staff"),
        ("改进建议", "suggestion"),
        ("Suggestion", "suggestion"),
    ],
)
def test_a_category_choice_is_understood_in_chinese_english_and_full_width(
    world: World, api: Any, label: str, category: str
) -> None:
    world.at(TYPEFORM_NOW)
    body = typeform.body(typeform.complaint_form(category=label))
    response = post(api, "/webhooks/typeform", body, typeform_headers(body))
    assert response.status_code == 201, response.body
    assert json.loads(response.body)["category"] == category


def test_a_category_choice_no_table_knows_is_a_422_naming_category(world: World, api: Any) -> None:
    world.at(TYPEFORM_NOW)
    body = typeform.body(typeform.complaint_form(category="London"))
    response = post(api, "/webhooks/typeform", body, typeform_headers(body))
    assert response.status_code == 422
    assert [e["field"] for e in json.loads(response.body)["errors"]] == ["category"]
    assert world.complaint_count() == 0


def test_a_typeform_answer_missing_from_the_delivery_is_named(world: World, api: Any) -> None:
    world.at(TYPEFORM_NOW)
    payload = typeform.complaint_form()
    answers = payload["form_response"]["answers"]
    payload["form_response"]["answers"] = [a for a in answers if a["field"]["ref"] != "subject"]
    body = typeform.body(payload)
    response = post(api, "/webhooks/typeform", body, typeform_headers(body))
    assert response.status_code == 422
    assert [e["field"] for e in json.loads(response.body)["errors"]] == ["subject"]


# ---- Tally -------------------------------------------------------------------------------------------------------


def test_the_tally_example_with_a_dropdown_answered_服务_becomes_a_service_complaint_with_the_phone(
    world: World, api: Any
) -> None:
    world.at(TALLY_NOW)
    payload = tally.complaint_form()
    dropdown = next(field for field in payload["data"]["fields"] if field["label"] == "类别")
    assert dropdown["type"] == "DROPDOWN"
    assert [o["text"] for o in dropdown["options"] if o["id"] in dropdown["value"]] == ["服务"]
    body = tally.body(payload)
    response = post(api, "/webhooks/tally", body, tally_headers(body))
    assert response.status_code == 201, response.body
    shown = staff_view(api, response)
    assert shown["category"] == "service"
    assert shown["customer"] == {"name": "Alice Smith", "email": "alice@example.com", "phone": "+32491223344"}
    assert shown["customer"]["phone"] == tally.EXPECTED["customer_phone"]
    assert shown["subject"] == "Hello"
    assert shown["description"] == "Hello world"
    assert shown["external_id"] == "2wgx4n"
    assert shown["received_at"] == "2023-06-28T23:00:21+08:00"


def test_a_tally_multiple_choice_category_is_read_through_its_options(world: World, api: Any) -> None:
    world.at(TALLY_NOW)
    payload = tally.complaint_form()
    for field in payload["data"]["fields"]:
        if field["label"] == "类别":
            field["label"] = "Dropdown"
        elif field["label"] == "Multiple choice":  # its selected option reads "In progress"
            field["label"] = "Category"
            field["options"][1]["text"] = "Product quality"
    body = tally.body(payload)
    response = post(api, "/webhooks/tally", body, tally_headers(body))
    assert response.status_code == 201, response.body
    assert json.loads(response.body)["category"] == "product_quality"


def test_a_tally_event_that_is_not_a_form_response_stores_nothing(world: World, api: Any) -> None:
    world.at(TALLY_NOW)
    body = tally.body(tally.complaint_form(event_type="FORM_DELETED"))
    response = post(api, "/webhooks/tally", body, tally_headers(body))
    assert response.status_code == 202, response.body
    assert world.complaint_count() == 0


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (lambda body: tally_headers(body, secret="not-the-secret"), "no signature matches"),
        (
            lambda body: {**tally_headers(body), "Tally-Signature": "sha256=" + tally_headers(body)["Tally-Signature"]},
            "malformed",
        ),
        (lambda body: {"Content-Type": "application/json"}, "missing header: Tally-Signature"),
        (lambda body: {**tally_headers(body), "Tally-Signature": "%%%"}, "malformed"),
    ],
    ids=["wrong secret", "typeform's prefix", "no header", "not base64"],
)
def test_a_tally_delivery_with_a_bad_signature_is_401_and_stores_nothing(
    world: World, api: Any, headers: Any, reason: str
) -> None:
    world.at(TALLY_NOW)
    body = tally.body(tally.complaint_form())
    response = post(api, "/webhooks/tally", body, headers(body))
    assert response.status_code == 401, response.body
    assert reason in json.loads(response.body)["detail"]
    assert world.complaint_count() == 0


def test_tally_redelivering_a_response_with_a_new_event_id_is_the_same_complaint(world: World, api: Any) -> None:
    world.at(TALLY_NOW)
    payload = tally.complaint_form()
    first_body = tally.body(payload)
    payload["eventId"] = "0b7c1f4e-9d2a-4f55-8a31-6c2e9f1d7b40"
    again_body = tally.body(payload)
    first = post(api, "/webhooks/tally", first_body, tally_headers(first_body))
    again = post(api, "/webhooks/tally", again_body, tally_headers(again_body))
    assert (first.status_code, again.status_code) == (201, 200)
    assert json.loads(first.body)["id"] == json.loads(again.body)["id"]
    assert world.complaint_count() == 1


# ---- Jotform (multipart, URL token) ------------------------------------------------------------------------------

JOTFORM = {"Content-Type": jotform.CONTENT_TYPE}


def test_a_jotform_multipart_delivery_becomes_a_complaint(api: Any) -> None:
    response = post(api, f"/webhooks/jotform?token={JOTFORM_TOKEN}", jotform.delivery(), JOTFORM)
    assert response.status_code == 201, response.body
    shown = staff_view(api, response)
    assert shown["category"] == "staff"
    assert shown["customer"] == {"name": "Niloth P", "email": "niloth@example.com", "phone": None}
    assert shown["customer"]["email"] == jotform.EXPECTED["customer_email"]
    assert shown["subject"] == "Tutor did not show up"
    assert shown["external_id"] == jotform.SUBMISSION_ID


def test_a_repeated_jotform_submission_is_the_same_complaint(world: World, api: Any) -> None:
    first = post(api, f"/webhooks/jotform?token={JOTFORM_TOKEN}", jotform.delivery(), JOTFORM)
    again = post(api, f"/webhooks/jotform?token={JOTFORM_TOKEN}", jotform.delivery(), JOTFORM)
    assert (first.status_code, again.status_code) == (201, 200)
    assert world.complaint_count() == 1


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("", "requires its token"),
        ("?token=", "does not match"),
        ("?token=jotform-url-token-4f9c2e7a1b8e", "does not match"),
        (f"?token={JOTFORM_TOKEN[:-1]}", "does not match"),
        (f"?token={JOTFORM_TOKEN}x", "does not match"),
        (f"?token={JOTFORM_TOKEN.upper()}", "does not match"),
        (f"?token={JOTFORM_TOKEN}&token={JOTFORM_TOKEN}", "once"),
        (f"?api_key={JOTFORM_TOKEN}", "requires its token"),
    ],
    ids=["none", "empty", "one character off", "one short", "one long", "upper case", "twice", "another name"],
)
def test_a_jotform_delivery_without_its_token_is_401_and_stores_nothing(
    world: World, api: Any, query: str, reason: str
) -> None:
    response = post(api, f"/webhooks/jotform{query}", jotform.delivery(), JOTFORM)
    assert response.status_code == 401, response.body
    detail = json.loads(response.body)["detail"]
    assert reason in detail
    assert JOTFORM_TOKEN not in response.body.decode()
    assert world.complaint_count() == 0


def test_a_token_shorter_than_16_characters_is_never_accepted(world: World, api: Any) -> None:
    world.reconfigure(webhook_secrets={"jotform": ["short-token"]})
    response = post(api, "/webhooks/jotform?token=short-token", jotform.delivery(), JOTFORM)
    assert response.status_code == 401
    assert "at least 16 characters" in json.loads(response.body)["detail"]
    assert world.complaint_count() == 0


# ---- 问卷星 WJX (JSON, URL token) ----------------------------------------------------------------------------------


def test_the_wjx_published_sample_becomes_a_service_complaint(world: World, api: Any) -> None:
    world.at(WJX_NOW)
    response = post(api, f"/webhooks/wjx?token={WJX_TOKEN}", wjx.complaint_form(), {"Content-Type": "application/json"})
    assert response.status_code == 201, response.body
    shown = staff_view(api, response)
    assert shown["category"] == "service"
    assert shown["customer"] == {"name": "王小明", "email": None, "phone": "13912345678"}
    assert shown["customer"]["name"] == wjx.EXPECTED["customer_name"]
    assert shown["subject"] == "测试"
    assert shown["external_id"] == "101812480275"
    assert shown["received_at"] == "2016-08-23T10:01:59+08:00"


def test_the_wjx_sample_exactly_as_published_is_not_json_and_is_a_400(world: World, api: Any) -> None:
    world.at(WJX_NOW)
    body = wjx.PUBLISHED.strip().encode("utf-8")
    response = post(api, f"/webhooks/wjx?token={WJX_TOKEN}", body, {"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "not valid JSON" in json.loads(response.body)["detail"]
    assert world.complaint_count() == 0
