"""GET /openapi.json: every route is documented, and every documented status is one the route really
returns (each is provoked here); every response body matches its documented schema."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest

import app as application
from chalicelib.views import ComplaintPage, ComplaintView, IgnoredDelivery, ProblemDetails, StaffComplaintView
from tests.conftest import STAFF, World
from tests.intake import URGENT, public

JSON = {"Content-Type": "application/json"}


PUBLIC = public(URGENT)


def _new(api: Any) -> str:
    response = api.http.post("/complaints", headers=JSON, body=json.dumps(PUBLIC).encode())
    complaint_id: str = json.loads(response.body)["id"]
    return complaint_id


def _event(api: Any, complaint_id: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return api.http.post(f"/complaints/{complaint_id}/events", headers={**JSON, **STAFF, **(headers or {})}, body=raw)


ERASE = {"reason": "the customer asked (PIPL art. 47), ticket 12"}


def _erase(api: Any, complaint_id: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return api.http.post(f"/complaints/{complaint_id}/erase", headers={**JSON, **STAFF, **(headers or {})}, body=raw)


def _erased_twice(api: Any) -> Any:
    complaint_id = _new(api)
    _erase(api, complaint_id, ERASE)
    return _erase(api, complaint_id, ERASE)


def _throttled(api: Any, call: Callable[[str], Any]) -> Any:
    """`call` while the store keeps failing (the twin set unavailable, as the adapter is under throttling)."""
    complaint_id = _new(api)
    memory = _WORLD[0].memory
    assert memory is not None
    memory.unavailable = True
    try:
        return call(complaint_id)
    finally:
        memory.unavailable = False


def _unreadable(api: Any) -> Any:
    """A complaint whose stored record was damaged (written by an older version, or edited by hand)."""
    complaint_id = _new(api)
    memory = _WORLD[0].memory
    assert memory is not None
    memory.damage(complaint_id, priority="whatever")
    return api.http.get(f"/complaints/{complaint_id}", headers=STAFF)


def _repeat(api: Any) -> Any:
    api.http.post("/complaints", headers={**JSON, "Idempotency-Key": "w1"}, body=json.dumps(PUBLIC).encode())
    return api.http.post("/complaints", headers={**JSON, "Idempotency-Key": "w1"}, body=json.dumps(PUBLIC).encode())


def _key_conflict(api: Any) -> Any:
    api.http.post("/complaints", headers={**JSON, "Idempotency-Key": "k"}, body=json.dumps(PUBLIC).encode())
    other = {**PUBLIC, "subject": "other"}
    return api.http.post("/complaints", headers={**JSON, "Idempotency-Key": "k"}, body=json.dumps(other).encode())


def _signed(api: Any, payload: Any, message_id: str = "msg", **extra: str) -> Any:
    from tests.api.test_sources import signed

    if isinstance(payload, bytes):
        from datetime import UTC, datetime

        from standardwebhooks.webhooks import Webhook

        from tests.api.test_sources import NEW_SECRET

        moment = datetime.now(UTC)
        headers = {
            "Content-Type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(int(moment.timestamp())),
            "webhook-signature": Webhook(NEW_SECRET).sign(message_id, moment, payload.decode()),
        }
        body = payload
    else:
        body, headers = signed(payload, message_id=message_id)
    return api.http.post("/webhooks/relay", headers={**headers, **extra}, body=body)


def _webhook_repeat(api: Any) -> Any:
    _signed(api, URGENT, "msg_repeat")
    return _signed(api, URGENT, "msg_repeat")


def _webhook_conflict(api: Any) -> Any:
    _signed(api, URGENT, "m1", **{"Idempotency-Key": "wk"})
    return _signed(api, {**URGENT, "subject": "other"}, "m2", **{"Idempotency-Key": "wk"})


def _webhook_unsigned_type(api: Any) -> Any:
    from tests.api.test_sources import signed

    body, headers = signed({}, message_id="m415")
    return api.http.post("/webhooks/relay", headers={**headers, "Content-Type": "text/plain"}, body=body)


def _partial_typeform(api: Any) -> Any:
    from tests.fixtures.forms import typeform
    from tests.fixtures.forms.signing import typeform_headers

    body = typeform.body(typeform.complaint_form(event_type="form_response_partial"))
    return api.http.post("/webhooks/typeform", headers=typeform_headers(body), body=body)


def _receipt(api: Any, resolved: bool = False, closed: bool = False) -> tuple[str, str]:
    """A new complaint's status page path and a CSRF token the page gave (resolved or closed by staff first)."""
    created = json.loads(api.http.post("/complaints", headers=JSON, body=json.dumps(public(URGENT)).encode()).body)
    for kind in ("resolve", "confirm")[: 2 if closed else 1 if resolved else 0]:
        _event(api, created["id"], {"type": kind})
    path = "/r/" + created["receipt_url"].rsplit("/", 1)[1]
    cookie = api.http.get(path).headers["Set-Cookie"]
    return path, cookie.split(";")[0].split("=", 1)[1]


def _form(api: Any, action: str, fields: str | bytes, state: str = "resolved", csrf: bool = True) -> Any:
    path, token = _receipt(api, resolved=state == "resolved", closed=state == "closed")
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"r_csrf={token}"}
    body = (f"csrf={token}&" if csrf else "").encode() + (fields if isinstance(fields, bytes) else fields.encode())
    return api.http.post(f"{path}/{action}", headers=headers, body=body)


def _flood(api: Any, call: Callable[[], Any]) -> Any:
    from chalicelib.customer.limits import LIMIT
    from chalicelib.customer.routes import _limiter

    _limiter.cache_clear()
    try:
        for _ in range(LIMIT):
            api.http.get("/r/" + "F" * 24)
        return call()
    finally:
        _limiter.cache_clear()


FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": "r_csrf=c"}


def _post_gone(api: Any, action: str, fields: str) -> Any:
    return api.http.post(f"/r/{'G' * 24}/{action}", headers=FORM_HEADERS, body=f"csrf=c&{fields}".encode())


def _not_a_form(api: Any, action: str) -> Any:
    return api.http.post(f"/r/{'G' * 24}/{action}", headers=JSON, body=b"{}")


def _flood_then(api: Any, call: Callable[[Any], Any]) -> Any:
    return _flood(api, lambda: call(api))


def _throttled_then(api: Any, call: Callable[[Any], Any]) -> Any:
    return _throttled(api, lambda _: call(api))


def _customer_triggers() -> dict[tuple[str, str, str], Callable[[Any], Any]]:
    gone = "/r/" + "G" * 24
    found: dict[tuple[str, str, str], Callable[[Any], Any]] = {
        ("/r/{token}", "get", "200"): lambda api: api.http.get(_receipt(api)[0]),
        ("/r/{token}", "get", "404"): lambda api: api.http.get(gone),
        ("/r/{token}", "get", "429"): lambda api: _flood(api, lambda: api.http.get(gone)),
        ("/r/{token}", "get", "503"): lambda api: _throttled(api, lambda _: api.http.get(gone)),
    }
    for action, good, bad, conflict in (
        ("confirm", "answer=yes", "answer=no&reason=", "closed"),
        ("survey", "rating=5", "rating=9", "resolved"),
    ):
        state = "closed" if action == "survey" else "resolved"
        path = f"/r/{{token}}/{action}"
        post_gone = partial(_post_gone, action=action, fields=good)
        found |= {
            (path, "post", "303"): partial(_form, action=action, fields=good, state=state),
            (path, "post", "400"): partial(_form, action=action, fields=b"a=\xff", state=state),
            (path, "post", "403"): partial(_form, action=action, fields=good, state=state, csrf=False),
            (path, "post", "404"): post_gone,
            (path, "post", "409"): partial(_form, action=action, fields=good, state=conflict),
            (path, "post", "413"): partial(_form, action=action, fields=f"{good}&pad={'x' * 70_000}", state=state),
            (path, "post", "415"): partial(_not_a_form, action=action),
            (path, "post", "422"): partial(_form, action=action, fields=bad, state=state),
            (path, "post", "429"): partial(_flood_then, call=post_gone),
            (path, "post", "503"): partial(_throttled_then, call=post_gone),
        }
    return found


BIG = json.dumps({"type": "note", "note": "x" * 70_000}).encode()
TRIGGERS: dict[tuple[str, str, str], Callable[[Any], Any]] = {
    ("/complaints", "post", "201"): lambda api: api.http.post(
        "/complaints", headers=JSON, body=json.dumps(PUBLIC).encode()
    ),
    ("/complaints", "post", "200"): _repeat,
    ("/complaints", "post", "400"): lambda api: api.http.post("/complaints", headers=JSON, body=b"{"),
    ("/complaints", "post", "409"): _key_conflict,
    ("/complaints", "post", "413"): lambda api: api.http.post("/complaints", headers=JSON, body=b" " * 70_000),
    ("/complaints", "post", "415"): lambda api: api.http.post(
        "/complaints", headers={"Content-Type": "text/csv"}, body=b"a"
    ),
    ("/complaints", "post", "422"): lambda api: api.http.post("/complaints", headers=JSON, body=b"{}"),
    ("/complaints", "post", "503"): lambda api: _throttled(
        api, lambda _: api.http.post("/complaints", headers=JSON, body=json.dumps({**PUBLIC, "subject": "t"}).encode())
    ),
    ("/complaints", "get", "200"): lambda api: api.http.get("/complaints", headers=STAFF),
    ("/complaints", "get", "401"): lambda api: api.http.get("/complaints"),
    ("/complaints", "get", "422"): lambda api: api.http.get("/complaints?limit=1000", headers=STAFF),
    ("/complaints", "get", "503"): lambda api: _throttled(api, lambda _: api.http.get("/complaints", headers=STAFF)),
    ("/complaints/{complaint_id}", "get", "200"): lambda api: api.http.get(f"/complaints/{_new(api)}", headers=STAFF),
    ("/complaints/{complaint_id}", "get", "401"): lambda api: api.http.get(f"/complaints/{_new(api)}"),
    ("/complaints/{complaint_id}", "get", "500"): _unreadable,
    ("/complaints/{complaint_id}", "get", "404"): lambda api: api.http.get("/complaints/" + "a" * 32, headers=STAFF),
    ("/complaints/{complaint_id}", "get", "503"): lambda api: _throttled(
        api, lambda cid: api.http.get(f"/complaints/{cid}", headers=STAFF)
    ),
    ("/complaints/{complaint_id}/events", "post", "200"): lambda api: _event(
        api, _new(api), {"type": "note", "note": "x"}
    ),
    ("/complaints/{complaint_id}/events", "post", "400"): lambda api: _event(api, _new(api), b"[1"),
    ("/complaints/{complaint_id}/events", "post", "401"): lambda api: api.http.post(
        f"/complaints/{_new(api)}/events", headers=JSON, body=b"{}"
    ),
    ("/complaints/{complaint_id}/events", "post", "404"): lambda api: _event(api, "b" * 32, {"type": "note"}),
    ("/complaints/{complaint_id}/events", "post", "409"): lambda api: _event(api, _new(api), {"type": "confirm"}),
    ("/complaints/{complaint_id}/events", "post", "413"): lambda api: _event(api, _new(api), BIG),
    ("/complaints/{complaint_id}/events", "post", "415"): lambda api: _event(
        api, _new(api), b"type=note", {"Content-Type": "text/plain"}
    ),
    ("/complaints/{complaint_id}/events", "post", "422"): lambda api: _event(api, _new(api), {"type": "nap"}),
    ("/complaints/{complaint_id}/events", "post", "503"): lambda api: _throttled(
        api, lambda cid: _event(api, cid, {"type": "note", "note": "x"})
    ),
    ("/complaints/{complaint_id}/events", "get", "200"): lambda api: api.http.get(
        f"/complaints/{_new(api)}/events", headers=STAFF
    ),
    ("/complaints/{complaint_id}/events", "get", "401"): lambda api: api.http.get(f"/complaints/{_new(api)}/events"),
    ("/complaints/{complaint_id}/events", "get", "404"): lambda api: api.http.get(
        "/complaints/" + "c" * 32 + "/events", headers=STAFF
    ),
    ("/complaints/{complaint_id}/events", "get", "503"): lambda api: _throttled(
        api, lambda cid: api.http.get(f"/complaints/{cid}/events", headers=STAFF)
    ),
    ("/complaints/{complaint_id}/erase", "post", "200"): lambda api: _erase(api, _new(api), ERASE),
    ("/complaints/{complaint_id}/erase", "post", "400"): lambda api: _erase(api, _new(api), b"{"),
    ("/complaints/{complaint_id}/erase", "post", "401"): lambda api: api.http.post(
        f"/complaints/{_new(api)}/erase", headers=JSON, body=json.dumps(ERASE).encode()
    ),
    ("/complaints/{complaint_id}/erase", "post", "404"): lambda api: _erase(api, "d" * 32, ERASE),
    ("/complaints/{complaint_id}/erase", "post", "409"): _erased_twice,
    ("/complaints/{complaint_id}/erase", "post", "413"): lambda api: _erase(
        api, _new(api), json.dumps({"reason": "x" * 70_000}).encode()
    ),
    ("/complaints/{complaint_id}/erase", "post", "415"): lambda api: _erase(
        api, _new(api), b"reason=x", {"Content-Type": "application/x-www-form-urlencoded"}
    ),
    ("/complaints/{complaint_id}/erase", "post", "422"): lambda api: _erase(api, _new(api), {"reason": ""}),
    ("/complaints/{complaint_id}/erase", "post", "503"): lambda api: _throttled(
        api, lambda cid: _erase(api, cid, ERASE)
    ),
    ("/openapi.json", "get", "200"): lambda api: api.http.get("/openapi.json"),
    ("/c/{code}", "get", "302"): lambda api: api.http.get("/c/0000000000000000000001"),
    ("/c/{code}", "get", "404"): lambda api: api.http.get("/c/not-a-code"),
    ("/reports/monthly", "get", "200"): lambda api: api.http.get("/reports/monthly?month=2026-10", headers=STAFF),
    ("/reports/monthly", "get", "401"): lambda api: api.http.get("/reports/monthly?month=2026-10"),
    ("/reports/monthly", "get", "422"): lambda api: api.http.get("/reports/monthly?month=2026-13", headers=STAFF),
    ("/reports/monthly", "get", "503"): lambda api: _throttled(
        api, lambda _: api.http.get("/reports/monthly?month=2026-10", headers=STAFF)
    ),
    ("/complaints", "options", "204"): lambda api: api.http.request(
        "OPTIONS", "/complaints", headers={"Origin": "http://localhost:8000"}
    ),
    ("/complaints", "options", "403"): lambda api: api.http.request(
        "OPTIONS", "/complaints", headers={"Origin": "https://evil.example"}
    ),
    ("/webhooks/{source}", "post", "201"): lambda api: _signed(api, URGENT),
    ("/webhooks/{source}", "post", "200"): _webhook_repeat,
    ("/webhooks/{source}", "post", "202"): _partial_typeform,
    ("/webhooks/{source}", "post", "400"): lambda api: _signed(api, b"{not json"),
    ("/webhooks/{source}", "post", "401"): lambda api: api.http.post(
        "/webhooks/relay", headers=JSON, body=json.dumps(URGENT).encode()
    ),
    ("/webhooks/{source}", "post", "404"): lambda api: api.http.post("/webhooks/nobody", headers=JSON, body=b"{}"),
    ("/webhooks/{source}", "post", "409"): _webhook_conflict,
    ("/webhooks/{source}", "post", "413"): lambda api: _signed(api, b" " * 70_000),
    ("/webhooks/{source}", "post", "415"): _webhook_unsigned_type,
    ("/webhooks/{source}", "post", "422"): lambda api: _signed(api, {"customer_name": "x"}),
    ("/webhooks/{source}", "post", "503"): lambda api: _throttled(
        api, lambda _: _signed(api, {**URGENT, "subject": "t"})
    ),
    **_customer_triggers(),
}


_WORLD: list[World] = []


@pytest.fixture(autouse=True)
def relay_secret(world: World) -> Iterator[None]:
    from tests.api.test_sources import NEW_SECRET
    from tests.fixtures.forms.signing import TYPEFORM_SECRET

    world.reconfigure(webhook_secrets={"relay": [NEW_SECRET], "typeform": [TYPEFORM_SECRET]})
    _WORLD.append(world)
    yield
    _WORLD.remove(world)


def documented(api: Any) -> dict[str, Any]:
    response = api.http.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = json.loads(response.body)
    return body


def test_every_route_is_documented(api: Any) -> None:
    doc = documented(api)
    assert doc["openapi"] == "3.1.0"
    routes = {
        (path, method.lower())
        for path, entries in application.app.routes.items()
        for method, entry in entries.items()
        if not entry.view_function.__dict__.get("console_page")
    }
    assert routes == {(path, method) for path, item in doc["paths"].items() for method in item}


def test_only_the_consoles_pages_are_left_out_of_the_document() -> None:
    pages = {
        path
        for path, entries in application.app.routes.items()
        for entry in entries.values()
        if entry.view_function.__dict__.get("console_page")
    }
    assert pages == {
        "/console",
        "/console/login",
        "/console/logout",
        "/console/language",
        "/console/complaints/{complaint_id}",
        "/console/complaints/{complaint_id}/events",
        "/console/static/{name}",
    }


def test_every_documented_status_is_provoked_here(api: Any) -> None:
    doc = documented(api)
    statuses = {
        (path, method, status)
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        for status in operation["responses"]
    }
    assert statuses == set(TRIGGERS)


@pytest.mark.parametrize("case", sorted(TRIGGERS), ids=lambda case: " ".join(case))
def test_each_documented_status_is_really_returned(api: Any, case: tuple[str, str, str]) -> None:
    path, method, status = case
    response = TRIGGERS[case](api)
    assert response.status_code == int(status), response.body
    if path.startswith("/r/"):  # the customer's pages answer in HTML, errors included
        assert response.headers.get("Content-Type") == ("text/html; charset=utf-8" if status != "303" else None)
        if status in ("429", "503"):
            assert int(response.headers["Retry-After"]) > 0
        return
    body = json.loads(response.body) if response.body else None
    if status.startswith(("4", "5")):
        assert response.headers["Content-Type"] == "application/problem+json"
        ProblemDetails.model_validate(body)
        if status == "503":
            assert int(response.headers["Retry-After"]) > 0
    elif method == "options":
        pass
    elif status == "202":
        IgnoredDelivery.model_validate(body)
    elif path in ("/complaints", "/webhooks/{source}") and method == "post":
        ComplaintView.model_validate(body)
    elif path == "/complaints" and method == "get":
        ComplaintPage.model_validate(body)
    elif path in ("/complaints/{complaint_id}", "/complaints/{complaint_id}/erase") or (
        path.endswith("/events") and method == "post"
    ):
        StaffComplaintView.model_validate(body)
