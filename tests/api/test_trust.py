"""Trust per source and private deduplication (the security review's findings, each replayed): the public form cannot
backdate a complaint, set its priority, complexity or tier, nor reach another complaint through `external_id`,
`webhook-id` or an `Idempotency-Key`; a signed source may set what it maps and deduplicates within itself only.
Also the smaller edges: bidi controls and line separators in one-line fields, real email validation, CORS headers
on errors, and the listing's two former 500s."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from chalicelib.settings import DEFAULT_SOURCES_FILE
from tests.conftest import STAFF, World
from tests.intake import RELAY_SECRET, relay
from tests.integration.helpers import errors_of

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
JSON = {"Content-Type": "application/json"}
ORIGIN = "http://localhost:8000"  # allowed by the shipped sources file
FORM: dict[str, Any] = {
    "customer_name": "赵六",
    "customer_email": "zhao.liu@example.com",
    "category": "service",
    "subject": "快递丢件",
    "description": "包裹三天没有到。",
}


@pytest.fixture(autouse=True)
def at_now(world: World) -> None:
    world.at(NOW)


def post(api: Any, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return api.http.post("/complaints", headers={**JSON, **(headers or {})}, body=body)


def staff_view(api: Any, response: Any) -> dict[str, Any]:
    complaint_id = json.loads(response.body)["id"]
    shown: dict[str, Any] = json.loads(api.http.get(f"/complaints/{complaint_id}", headers=STAFF).body)
    return shown


# ----- 1. trust per source -----


def test_an_anonymous_post_cannot_backdate_a_complaint(world: World, api: Any) -> None:
    backdated = post(api, {**FORM, "received_at": (NOW - timedelta(days=89)).isoformat()})
    assert "server's time of receipt" in errors_of(backdated)["received_at"]
    ahead = post(api, {**FORM, "received_at": (NOW + timedelta(minutes=6)).isoformat()})
    assert "received_at" in errors_of(ahead)
    assert world.complaint_count() == 0


def test_a_time_of_receipt_within_five_minutes_of_the_servers_is_ignored_for_the_servers(api: Any) -> None:
    response = post(api, {**FORM, "received_at": (NOW - timedelta(minutes=4)).isoformat()})
    assert response.status_code == 201, response.body
    assert datetime.fromisoformat(json.loads(response.body)["received_at"]) == NOW


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("priority", "urgent", "the policy assigns it"),
        ("complexity", "complex", "the policy assigns it"),
        ("customer_tier", "vip", "only a signed source"),
        ("external_id", "typeform-123", "Idempotency-Key"),
        ("channel", "phone", "may_set"),
    ],
)
def test_an_anonymous_post_cannot_set_what_the_policy_or_a_trusted_system_decides(
    world: World, api: Any, field: str, value: str, says: str
) -> None:
    assert says in errors_of(post(api, {**FORM, field: value}))[field]
    assert world.complaint_count() == 0


def test_the_attack_of_the_review_is_refused_whole_naming_every_field(world: World, api: Any) -> None:
    attack = {
        **FORM,
        "priority": "urgent",
        "complexity": "complex",
        "category": "product_quality",
        "received_at": (NOW - timedelta(days=89)).isoformat(),
        "customer_email": "not-an-email",
    }
    assert set(errors_of(post(api, attack))) == {"priority", "complexity", "received_at", "customer_email"}
    assert world.complaint_count() == 0


def test_a_blank_choice_left_in_a_form_is_as_if_not_given(api: Any) -> None:
    response = post(api, {**FORM, "priority": "", "complexity": " "})
    assert response.status_code == 201, response.body


def test_the_policy_assigns_priority_and_complexity_from_the_category(api: Any) -> None:
    service = json.loads(post(api, FORM).body)
    quality = json.loads(post(api, {**FORM, "category": "product_quality", "subject": "坏了"}).body)
    assert (service["priority"], service["complexity"], service["policy"]["name"]) == ("general", "general", "general")
    assert (quality["priority"], quality["complexity"], quality["policy"]["name"]) == (
        "important",
        "general",
        "important",
    )
    assert quality["clocks"]["first_response"]["target"] == "2h"


def test_a_signed_source_sets_what_it_maps(api: Any) -> None:
    received = NOW - timedelta(hours=3)
    response = relay(
        api,
        {
            **FORM,
            "priority": "urgent",
            "complexity": "complex",
            "customer_tier": "vip",
            "received_at": received.isoformat(),
        },
    )
    assert response.status_code == 201, response.body
    shown = staff_view(api, response)
    assert (shown["priority"], shown["complexity"], shown["customer_tier"]) == ("urgent", "complex", "vip")
    assert datetime.fromisoformat(shown["received_at"]) == received


def test_a_sources_file_names_what_each_source_may_set(world: World, api: Any, tmp_path: Path) -> None:
    text = DEFAULT_SOURCES_FILE.read_text(encoding="utf-8").replace(
        "    may_set: [customer_name, customer_email, customer_phone, category, subject, description]",
        "    may_set: [customer_name, customer_email, customer_phone, category, subject, description, priority]",
    )
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    world.reconfigure(sources_file=path)
    assert json.loads(post(api, {**FORM, "priority": "urgent"}).body)["priority"] == "urgent"
    assert "complexity" in errors_of(post(api, {**FORM, "complexity": "complex"}))


# ----- 2. deduplication scoped and private -----


def test_an_external_id_from_the_public_form_never_reaches_another_complaint(world: World, api: Any) -> None:
    genuine = relay(api, {**FORM, "external_id": "sub-42"})
    assert genuine.status_code == 201
    guessed = post(api, {**FORM, "subject": "我要看别人的投诉", "external_id": "sub-42"})
    assert "external_id" in errors_of(guessed)
    assert json.loads(genuine.body)["id"] not in guessed.body.decode()
    assert world.complaint_count() == 1


def test_a_webhook_id_on_the_public_form_deduplicates_nothing(world: World, api: Any) -> None:
    first = post(api, FORM, {"webhook-id": "msg_1"})
    second = post(api, {**FORM, "subject": "another"}, {"webhook-id": "msg_1"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert json.loads(first.body)["id"] != json.loads(second.body)["id"]
    assert world.complaint_count() == 2


def test_an_anonymous_idempotency_key_cannot_block_a_signed_sources_delivery(world: World, api: Any) -> None:
    squatted = post(api, FORM, {"Idempotency-Key": "relay-42"})
    assert squatted.status_code == 201
    relayed = relay(api, {**FORM, "subject": "the relay's own"}, **{"Idempotency-Key": "relay-42"})
    assert relayed.status_code == 201, relayed.body
    assert json.loads(relayed.body)["id"] != json.loads(squatted.body)["id"]
    assert world.complaint_count() == 2


def test_the_same_key_and_content_is_the_same_complaint_other_content_a_conflict_that_reveals_nothing(
    world: World, api: Any
) -> None:
    first = post(api, FORM, {"Idempotency-Key": "k-1"})
    again = post(api, FORM, {"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert json.loads(first.body)["id"] == json.loads(again.body)["id"]
    other = post(api, {**FORM, "subject": "改了主题"}, {"Idempotency-Key": "k-1"})
    assert other.status_code == 409
    text = other.body.decode("utf-8")
    stored = json.loads(first.body)
    assert set(json.loads(text)) == {"type", "title", "status", "detail"}
    for revealing in (stored["id"], stored["subject"], FORM["customer_name"], "clocks", "open"):
        assert revealing not in text
    assert world.complaint_count() == 1


def _two_relays(world: World, tmp_path: Path) -> str:
    secret = "whsec_" + base64.b64encode(b"second-relay-secret-32-bytes!!!!").decode()
    text = DEFAULT_SOURCES_FILE.read_text(encoding="utf-8").replace(
        "  relay:                         # a server",
        "  relay2:\n    auth: standard\n\n  relay:                         # a server",
    )
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    world.reconfigure(sources_file=path, webhook_secrets={"relay": [RELAY_SECRET], "relay2": [secret]})
    return secret


def test_a_signed_sources_ids_deduplicate_within_that_source_only(world: World, api: Any, tmp_path: Path) -> None:
    secret = _two_relays(world, tmp_path)
    first = relay(api, {**FORM, "external_id": "same-id"}, "msg_same")
    body = json.dumps({**FORM, "subject": "from the other relay", "external_id": "same-id"}, ensure_ascii=False)
    moment = datetime.now(UTC)
    headers = {
        **JSON,
        "webhook-id": "msg_same",
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign("msg_same", moment, body),
    }
    other = api.http.post("/webhooks/relay2", headers=headers, body=body.encode("utf-8"))
    assert (first.status_code, other.status_code) == (201, 201)
    assert world.complaint_count() == 2
    replay = relay(api, {**FORM, "external_id": "same-id"})
    assert replay.status_code == 200
    assert json.loads(replay.body)["id"] == json.loads(first.body)["id"]


# ----- 5. input and edges -----

BIDI_AND_SEPARATORS = [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u2028",
    "\u2029",
]


@pytest.mark.parametrize("char", BIDI_AND_SEPARATORS, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("field", ["customer_name", "subject"])
def test_bidi_controls_and_line_separators_are_refused_in_one_line_fields(
    world: World, api: Any, field: str, char: str
) -> None:
    message = errors_of(post(api, {**FORM, field: f"赵{char}六"}))[field]
    assert f"U+{ord(char):04X}" in message
    assert world.complaint_count() == 0


def test_a_line_separator_is_text_in_a_description(api: Any) -> None:
    assert post(api, {**FORM, "description": "第一段\u2029第二段"}).status_code == 201


def test_a_staff_note_is_multi_line_but_an_assignee_is_one_line(api: Any) -> None:
    complaint_id = json.loads(post(api, FORM).body)["id"]
    event = {"type": "assign", "assignee": "wang\u202efang"}
    response = api.http.post(
        f"/complaints/{complaint_id}/events", headers={**JSON, **STAFF}, body=json.dumps(event).encode()
    )
    assert "assignee" in errors_of(response)


@pytest.mark.parametrize(
    "address",
    [
        '"><svg/onload=alert(1)>@evil.example',
        "zhao@@example.com",
        "zhao@example",
        "zhao liu@example.com",
        "@example.com",
    ],
)
def test_an_address_that_is_not_an_email_is_refused(world: World, api: Any, address: str) -> None:
    assert "is not an email address" in errors_of(post(api, {**FORM, "customer_email": address}))["customer_email"]
    assert world.complaint_count() == 0


def test_a_real_address_is_kept_with_its_domain_normalized(api: Any) -> None:
    response = post(api, {**FORM, "customer_email": "Zhao.Liu@Example.COM"})
    assert staff_view(api, response)["customer"]["email"] == "Zhao.Liu@example.com"


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        ({**FORM, "priority": "urgent"}, {}, 422),
        (b"{", {}, 400),
        ({**FORM, "website": "spam"}, {}, 400),
        (b"x" * 70_000, {}, 413),
        (b"a", {"Content-Type": "text/csv"}, 415),
    ],
    ids=["422", "400", "400 honeypot", "413", "415"],
)
def test_every_answer_to_an_allowed_origin_carries_cors_headers_errors_included(
    api: Any, body: Any, headers: dict[str, str], status: int
) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = api.http.post("/complaints", headers={**JSON, "Origin": ORIGIN, **headers}, body=raw)
    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in response.headers["Vary"]
    elsewhere = api.http.post("/complaints", headers={**JSON, "Origin": "https://evil.example", **headers}, body=raw)
    assert "Access-Control-Allow-Origin" not in elsewhere.headers


def test_a_conflict_to_an_allowed_origin_carries_cors_headers(api: Any) -> None:
    post(api, FORM, {"Idempotency-Key": "k"})
    response = post(api, {**FORM, "subject": "x"}, {"Idempotency-Key": "k", "Origin": ORIGIN})
    assert response.status_code == 409
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


@pytest.mark.parametrize(
    "query",
    [
        "received_from=0001-01-01T00:00:00%2B14:00",
        "received_to=9999-12-31T23:59:59-14:00",
        "cursor=" + base64.urlsafe_b64encode(b'{"i":1e400,"id":"x","r":"y"}').decode().rstrip("="),
        "cursor=" + base64.urlsafe_b64encode(b'{"i":1e400}').decode().rstrip("="),
        "cursor=" + base64.urlsafe_b64encode(b'{"i":-1,"id":"' + b"a" * 32 + b'","r":"#' + b"a" * 32 + b'"}').decode(),
    ],
    ids=["year 1 with +14:00", "year 9999 with -14:00", "cursor i=1e400", "cursor only i=1e400", "cursor i=-1"],
)
def test_the_listings_hostile_queries_are_client_errors_never_500(api: Any, query: str) -> None:
    response = api.http.get(f"/complaints?{query}", headers=STAFF)
    assert response.status_code == 422, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    assert {error["field"] for error in json.loads(response.body)["errors"]} <= {
        "received_from",
        "received_to",
        "cursor",
    }


def test_an_api_request_is_answered_503_once_its_time_budget_is_spent(
    aws_api: Any, aws_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On moto (the DynamoDB adapters keep the budget): with no time left, nothing is tried, nothing stored."""
    monkeypatch.setattr("chalicelib.budget.API_BUDGET", 0.0)
    response = post(aws_api, FORM)
    assert response.status_code == 503, response.body
    assert int(response.headers["Retry-After"]) > 0
    assert aws_world.complaint_count() == 0
