"""The customer's status page, a Chalice blueprint the app registers: `GET /r/{token}` (status, promises, the
public timeline, and the questions the customer may answer now), `POST /r/{token}/confirm` (yes closes, no
reopens with the customer's reason) and `POST /r/{token}/survey` (1-5 stars and a comment). Thin: the token ->
the customer service -> a page. Forms carry a CSRF token (double-submit: a random cookie of this page's path and the
same value in the form); rate-limited per address; an unknown or expired token is a plain 404 page.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from chalice.app import Blueprint, Response

from chalicelib.customer.texts import Texts
from chalicelib.domain.errors import FieldError, InvalidFields
from chalicelib.openapi import Operation, Parameter, documented
from chalicelib.pages import PageVisit, Refusal, base_path, page_route

customer = Blueprint(__name__)
log = logging.getLogger(__name__)
HERE = Path(__file__).parent / "templates"
CSRF_COOKIE = "r_csrf"


@functools.cache
def _css() -> str:
    return (HERE / "customer.css").read_text(encoding="utf-8").strip()


@functools.cache
def _headers() -> dict[str, str]:
    digest = base64.b64encode(hashlib.sha256(_css().encode("utf-8")).digest()).decode()
    return {
        "Content-Security-Policy": f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Robots-Tag": "noindex",
    }


@functools.cache
def _limiter() -> Any:
    from chalicelib.customer.limits import RateLimiter

    return RateLimiter()


@dataclass
class Visit(PageVisit[Texts]):
    """One request to a customer page, about the complaint of a receipt token."""

    token: str

    @property
    def here(self) -> str:
        return f"{self.prefix}/r/{self.token}"

    def link(self, path: str = "", **query: str) -> str:
        tail = ("?" + urlencode(query)) if query else ""
        return self.here + path + tail

    @property
    def cookies(self) -> dict[str, str]:
        from chalicelib.console.session import read_cookies

        return read_cookies(self.request.headers.get("cookie"))


def _visit(token: str) -> Visit:
    from chalicelib.bootstrap import services
    from chalicelib.console.texts import negotiate

    running = services()
    request = customer.current_request
    assert request is not None, "only while a request is handled"
    params: Any = request.query_params or {}
    language = negotiate(params.get("lang"), request.headers.get("accept-language"))
    return Visit(request, running, Texts(language), base_path(running.settings), running.clock.now(), token)


def _limited(view: Callable[..., Response]) -> Callable[..., Response]:
    """The view, unless this address asked too often this minute (a 429 page)."""

    @functools.wraps(view)
    def guarded(visit: Visit, **params: str) -> Response:
        identity = (visit.request.context or {}).get("identity") or {}
        if not _limiter().allow(str(identity.get("sourceIp") or "unknown"), visit.now):
            log.warning("status page: rate limit reached")
            return _message(visit, 429, "too_many", headers={"Retry-After": "60"})
        return view(visit, **params)

    return guarded


def page(view: Callable[..., Response]) -> Callable[..., Response]:
    """A customer route: rate-limited; a domain error becomes a page in words with its own status, any other
    failure a bare one; security headers on every answer (`pages.page_route`)."""
    return page_route(_visit, _refuse, _headers, log)(_limited(view))


HTML = {"text/html": {"type": "string"}}
TOKEN = Parameter(
    "token",
    "path",
    {"type": "string", "pattern": "^[A-Za-z0-9_-]{24,64}$"},
    required=True,
    description="The receipt token (the `receipt_url` of the 201)",
)
PAGES: dict[int, tuple[Any, str]] = {
    404: (HTML, "A page: no complaint has this receipt, or its link expired (90 days after close)"),
    429: (HTML, "A page: too many requests from this address (Retry-After)"),
    503: (HTML, "A page: the store is busy (Retry-After)"),
}
FORM_PAGES: dict[int, tuple[Any, str]] = {
    **PAGES,
    303: (None, "Done: back to the status page"),
    400: (HTML, "A page: the form could not be read (not UTF-8, malformed, a field given twice)"),
    403: (HTML, "A page: the form came without its CSRF token"),
    409: (HTML, "A page: the complaint is not waiting for this answer"),
    413: (HTML, "A page: the form is over the size limit"),
    415: (HTML, "A page: what was sent is not a url-encoded form"),
    422: (HTML, "A page: a field is missing or wrong (no reason for a no, no rating)"),
}


def _html(visit: Visit, template: str, code: int, headers: dict[str, Any] | None = None, **context: Any) -> Response:
    from chalicelib.pages import templates

    texts = visit.texts
    other = "en" if texts.language == "zh-CN" else "zh-CN"
    body = (
        templates(HERE)
        .get_template(template)
        .render(
            t=texts, lang=texts.language, css=_css(), switch_href=visit.link(lang=other), switch_lang=other, **context
        )
    )
    return Response(
        body=body, status_code=code, headers={"Content-Type": "text/html; charset=utf-8", **(headers or {})}
    )


ANSWERED_FIELDS = ("answer", "reason", "rating")
"""The page's fields a refusal names in words; any other field is "one of the fields"."""


def _what(texts: Texts, error: InvalidFields) -> str:
    """What to correct, in the reader's words (never a field's code or the API's English)."""
    named = [f"invalid.{e.field}" if e.field in ANSWERED_FIELDS else "invalid.other" for e in error.errors]
    return texts("list.separator").join(texts(key) for key in dict.fromkeys(named) or ["invalid.other"])


def _message(
    visit: Visit,
    status: int,
    key: str,
    headers: dict[str, Any] | None = None,
    heading: str = "title",
    back: bool = False,
    **values: object,
) -> Response:
    texts = visit.texts
    return _html(
        visit,
        "message.html",
        status,
        headers,
        heading=texts(heading),
        message=texts(key, **values),
        back=visit.link(lang=texts.language) if back else None,
    )


def _refuse(visit: Visit, refusal: Refusal) -> Response:
    """A refusal in the reader's words, with its status; a way back to the page when the reader can do better."""
    if refusal.reason == "not_found":
        return _message(visit, refusal.status, "not_found", dict(refusal.headers), heading="not_found.title")
    error = refusal.error
    values = {"what": _what(visit.texts, error)} if isinstance(error, InvalidFields) else {}
    back = 400 <= refusal.status < 500
    return _message(visit, refusal.status, refusal.reason, dict(refusal.headers), back=back, **values)


def _form(visit: Visit) -> dict[str, str]:
    from chalicelib.pages import posted_form

    return posted_form(visit.request, visit.running.settings.max_body_bytes, max_fields=10)


def _csrf_ok(visit: Visit, form: dict[str, str]) -> bool:
    expected = visit.cookies.get(CSRF_COOKIE, "")
    given = form.get("csrf", "")
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())


def _back(visit: Visit) -> Response:
    location = visit.link(lang=visit.texts.language)
    return Response(body="", status_code=303, headers={"Location": location})


@customer.route("/r/{token}", methods=["GET"])
@documented(
    Operation(
        "The customer's status page (HTML, public): status, promises, public timeline, and the questions due now.",
        {200: (HTML, "The page"), **PAGES},
        parameters=(TOKEN,),
    )
)
@page
def status_page(visit: Visit, token: str) -> Response:
    """The customer's status page."""
    from chalicelib.domain.receipts import outcome, promise_sentence, promises, timeline
    from chalicelib.domain.vocabulary import Status
    from chalicelib.domain.words import word

    standing = visit.running.customer.status(token, visit.now)
    complaint = standing.complaint
    language, zone = visit.texts.language, visit.running.policies.display.tz
    from chalicelib.console.session import cookie as session_cookie

    csrf = visit.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    cookie = session_cookie(CSRF_COOKIE, csrf, visit.here, 86400, secure=visit.running.settings.session_cookie_secure)
    steps = timeline(standing.trail, zone, language)
    return _html(
        visit,
        "status.html",
        200,
        {"Set-Cookie": cookie},
        status=word(complaint.status, language),
        status_code=complaint.status.value,
        subject=complaint.subject,
        received=steps[0].at if steps else "",
        promises=[
            (promise_sentence(p, language), "kept" if p.kept else "late" if p.late else "", outcome(p, language))
            for p in promises(complaint, zone, language, visit.now)
        ],
        steps=steps,
        ask_confirm=complaint.status is Status.RESOLVED,
        ask_survey=complaint.status is Status.CLOSED and complaint.satisfaction is None,
        thanked=complaint.status is Status.CLOSED and complaint.satisfaction is not None,
        csrf=csrf,
        action_confirm=visit.link("/confirm", lang=language),
        action_survey=visit.link("/survey", lang=language),
        alert=None,
    )


def form_operation(summary: str, fields: dict[str, Any]) -> Operation:
    """The operation of a form the status page posts: its `fields` beside the CSRF token, url-encoded."""
    return Operation(
        summary,
        FORM_PAGES,
        body={"type": "object", "properties": {"csrf": {"type": "string"}, **fields}},
        body_types=("application/x-www-form-urlencoded",),
        parameters=(TOKEN,),
    )


def form_page(act: Callable[[Visit, str, dict[str, str]], None]) -> Callable[..., Response]:
    """A customer form's route (a `page`): the posted form, refused with a 403 page without its CSRF token, goes to
    `act(visit, token, form)`; then back to the status page (POST-redirect-GET)."""

    @functools.wraps(act)
    def posted(visit: Visit, token: str) -> Response:
        form = _form(visit)
        if not _csrf_ok(visit, form):
            log.info("status page: a form without its CSRF token was refused")
            return _message(visit, 403, "csrf", back=True)
        act(visit, token, form)
        return _back(visit)

    return page(posted)


@customer.route("/r/{token}/confirm", methods=["POST"], content_types=["*/*"])
@documented(
    form_operation(
        "The customer's answer to 'is it solved?': yes closes the complaint, no reopens it with the reason.",
        {"answer": {"enum": ["yes", "no"]}, "reason": {"type": "string"}},
    )
)
@form_page
def confirm(visit: Visit, token: str, form: dict[str, str]) -> None:
    """The customer's answer to "is it solved?"."""
    answer = form.get("answer")
    if answer not in ("yes", "no"):
        raise InvalidFields([FieldError("answer", "choose yes or no")])
    visit.running.customer.answer(token, answer == "yes", form.get("reason", ""), visit.now)


@customer.route("/r/{token}/survey", methods=["POST"], content_types=["*/*"])
@documented(
    form_operation(
        "The customer's survey: 1-5 stars and a comment, once per cycle, after the complaint is closed.",
        {"rating": {"enum": ["1", "2", "3", "4", "5"]}, "comment": {"type": "string"}},
    )
)
@form_page
def survey(visit: Visit, token: str, form: dict[str, str]) -> None:
    """The customer's rating and comment."""
    raw = form.get("rating", "")
    rating = int(raw) if raw in ("1", "2", "3", "4", "5") else None
    visit.running.customer.survey(token, rating, form.get("comment", ""), visit.now)
