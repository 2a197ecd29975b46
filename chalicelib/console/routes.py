"""The staff console's routes, a Chalice blueprint the app registers: sign-in and sign-out, the board, a
complaint's page and its actions, the language switch and the static files. Each is thin: the session -> the same
services the JSON API calls -> their result rendered. Every form carries a CSRF token; a change answers with a
redirect to the page that shows the new state (POST-redirect-GET); a refused one shows why, in words.

URLs are under the path of PUBLIC_BASE_URL (API Gateway's stage, or none behind a custom domain), so that the
links in notices, the console's own links and its cookies agree.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from chalice.app import Blueprint, Response

from chalicelib.console.session import (
    LANGUAGE_COOKIE,
    LIFETIME,
    LOGIN_COOKIE,
    LOGIN_LIFETIME,
    SESSION_COOKIE,
    Session,
    SessionSigner,
    cookie,
    read_cookies,
)
from chalicelib.domain.errors import Conflict, DomainError, InvalidFields, NotFound
from chalicelib.pages import PageVisit, Refusal, base_path, page_route

if TYPE_CHECKING:
    from chalicelib.console.identity import IdentityProvider
    from chalicelib.console.texts import Texts

console = Blueprint(__name__)
log = logging.getLogger(__name__)

COMPLAINT_ID = re.compile(r"^[0-9a-f]{32}$")
NEXT = re.compile(r"^/console(/[A-Za-z0-9/_-]*)?(\?[A-Za-z0-9=&%._-]*)?$")
FORM_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
HOME = "/console"
YEAR = 365 * 24 * 3600
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
FILTER_WORDS = {"who": "board.who", "priority": "board.priority", "category": "board.category", "grade": "board.grade"}


@dataclass
class Visit(PageVisit["Texts"]):
    """One request to the console: a page's visit with the request's cookies and the session (if any)."""

    cookies: dict[str, str]
    signer: SessionSigner | None
    session: Session | None

    def url(self, path: str) -> str:
        """The address of a console path, under PUBLIC_BASE_URL's path."""
        return self.prefix + path

    def query(self, name: str) -> str | None:
        params = self.request.query_params
        value = None if params is None else params.get(name)
        return value if isinstance(value, str) else None

    @property
    def me(self) -> str:
        assert self.session is not None, "only on a signed-in page"
        return self.session.member.name

    def cookie(self, name: str, value: str, max_age: int) -> str:
        secure = self.running.settings.session_cookie_secure
        return cookie(name, value, self.url(HOME), max_age, secure=secure)


def _visit(**_: str) -> Visit:
    from chalicelib.bootstrap import services
    from chalicelib.console.texts import Texts, negotiate

    running = services()
    request = console.current_request
    assert request is not None, "only while a request is handled"
    cookies = read_cookies(request.headers.get("cookie"))
    language = negotiate(cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))
    now = running.clock.now()
    secret = running.settings.session_secret
    signer = SessionSigner(secret) if secret else None
    session = signer.read(cookies.get(SESSION_COOKIE), now) if signer is not None else None
    texts = Texts(language, running.policies.display.tz)
    return Visit(request, running, texts, base_path(running.settings), now, cookies, signer, session)


def page(view: Callable[..., Response]) -> Callable[..., Response]:
    """A console route: given the `Visit`; a domain error becomes a page that says what went wrong in words, any
    other failure a bare one (logged without the request); security headers on every answer (`pages.page_route`).
    Marked as a page: the OpenAPI document of the JSON API leaves it out."""
    wrapped = page_route(_visit, _refuse, lambda: SECURITY_HEADERS, log)(view)
    wrapped.__dict__["console_page"] = True
    return wrapped


# ----- answers -----


def _common(visit: Visit, here: str) -> dict[str, Any]:
    from chalicelib.console.render import assets
    from chalicelib.domain.vocabulary import Grade

    texts = visit.texts
    versions = {name: asset.version for name, asset in assets().items()}
    session = visit.session
    words = {
        "left": texts("countdown.left"),
        "overdue": texts("countdown.overdue"),
        "days": texts("countdown.days"),
        "grades": {grade.value: texts.word(grade) for grade in Grade},
        "now": round(visit.now.timestamp() * 1000),
    }
    other = "en" if texts.language == "zh-CN" else "zh-CN"
    return {
        "t": texts,
        "lang": texts.language,
        "me": None if session is None else session.member.name,
        "csrf": None if session is None or visit.signer is None else visit.signer.csrf_token(session.nonce),
        "url": visit.url,
        "static": lambda name: f"{visit.url('/console/static/' + name)}?v={versions[name]}",
        "zone": texts.zone_name(visit.now),
        "switch_href": visit.url("/console/language?" + urlencode({"to": other, "next": here})),
        "switch_lang": other,
        "js_words": words,
    }


def _html(
    visit: Visit, template: str, here: str, status: int = 200, headers: Mapping[str, Any] | None = None, **context: Any
) -> Response:
    from chalicelib.console.render import render

    body = render(template, **_common(visit, here), **context)
    return Response(
        body=body,
        status_code=status,
        headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", **(headers or {})},
    )


def _redirect(visit: Visit, path: str, cookies: list[str] | None = None) -> Response:
    headers: dict[str, str | list[str]] = {"Location": visit.url(path), "Cache-Control": "no-store"}
    if cookies:
        headers["Set-Cookie"] = cookies
    return Response(body="", status_code=303, headers=headers)


def _message(visit: Visit, status: int, key: str, headers: Mapping[str, str] | None = None) -> Response:
    return _html(visit, "message.html", HOME, status, headers, message=visit.texts(key), code=status)


def _refuse(visit: Visit, refusal: Refusal) -> Response:
    """A refusal in the reader's words, with its status."""
    return _message(visit, refusal.status, f"error.{refusal.reason}", refusal.headers)


def _forbidden(visit: Visit) -> Response:
    log.info("console: a form without a valid CSRF token was refused")
    return _message(visit, 403, "error.csrf")


def _signed_in(visit: Visit, here: str) -> Response | None:
    """None when someone is signed in; otherwise the way to the sign-in page, which comes back `here` after it.

    A link followed from another site (a notice in webmail or a chat app) arrives without the SameSite=Strict
    session cookie: it first gets a page that opens the same address again from this site, with the cookie."""
    if visit.signer is None:
        return _message(visit, 503, "error.not_configured")
    if visit.session is not None:
        return None
    cross_site = (visit.request.headers.get("sec-fetch-site") or "").lower() == "cross-site"
    if cross_site and visit.request.method == "GET":
        return _html(visit, "bounce.html", here, 200, again=visit.url(here))
    return _redirect(visit, "/console/login?" + urlencode({"next": here}))


def _at_complaint(visit: Visit, complaint_id: str) -> Response | None:
    """None when a complaint's page may be served: a well-formed id (else `NotFound`) and someone signed in (else
    the way to the sign-in page, which comes back to the complaint)."""
    if not COMPLAINT_ID.match(complaint_id):
        raise NotFound("No complaint has this id.")
    return _signed_in(visit, f"/console/complaints/{complaint_id}")


def _next(value: str | None) -> str:
    """Where to go after sign-in: a console page (anything else, e.g. another site, is the board)."""
    return value if value and NEXT.match(value) and "//" not in value else HOME


def _form(visit: Visit) -> dict[str, str]:
    """A posted form's fields (a field given twice is refused)."""
    from chalicelib.pages import posted_form

    return posted_form(visit.request, visit.running.settings.max_body_bytes, max_fields=40)


def _provider(visit: Visit) -> IdentityProvider:
    from chalicelib.console.identity import StaffTokenForm

    return StaffTokenForm(visit.running.authenticator)


# ----- sign-in and sign-out -----


@console.route("/console/login", methods=["GET"])
@page
def login_page(visit: Visit) -> Response:
    """The sign-in form (or the identity provider's own sign-in), coming back to `next` after it."""
    next_path = _next(visit.query("next"))
    signer = visit.signer
    if signer is None:
        return _message(visit, 503, "error.not_configured")
    if visit.session is not None:
        return _redirect(visit, next_path)
    provider = _provider(visit)
    elsewhere = provider.start(next_path)
    if elsewhere is not None:
        return Response(body="", status_code=303, headers={"Location": elsewhere, "Cache-Control": "no-store"})
    return _login_form(visit, signer, next_path, 200, notice="signed_out" if visit.query("bye") == "1" else None)


def _login_form(
    visit: Visit, signer: SessionSigner, next_path: str, status: int, notice: str | None = None, error: bool = False
) -> Response:
    nonce = signer.read_login_nonce(visit.cookies.get(LOGIN_COOKIE), visit.now)
    headers: dict[str, str | list[str]] = {}
    if nonce is None:
        nonce, value = signer.login_nonce(visit.now)
        headers["Set-Cookie"] = [visit.cookie(LOGIN_COOKIE, value, int(LOGIN_LIFETIME.total_seconds()))]
    here = "/console/login?" + urlencode({"next": next_path})
    return _html(
        visit,
        "login.html",
        here,
        status,
        headers,
        next_path=next_path,
        login_csrf=signer.csrf_token(nonce),
        notice=notice,
        error=error,
    )


@console.route("/console/login", methods=["POST"], content_types=["*/*"])
@page
def sign_in(visit: Visit) -> Response:
    """A staff token -> a session cookie for the person it belongs to; then the page asked for."""
    signer = visit.signer
    if signer is None:
        return _message(visit, 503, "error.not_configured")
    form = _form(visit)
    nonce = signer.read_login_nonce(visit.cookies.get(LOGIN_COOKIE), visit.now)
    if nonce is None or not signer.csrf_ok(nonce, form.get("csrf")):
        return _forbidden(visit)
    next_path = _next(form.get("next"))
    provider = _provider(visit)
    member = provider.identify(form)
    if member is None:
        log.info("console: sign-in refused (not a staff token)")
        return _login_form(visit, signer, next_path, 401, error=True)
    _, value = signer.issue(member, provider.name, visit.now)
    log.info("console: %s signed in", member.name)
    cookies = [
        visit.cookie(SESSION_COOKIE, value, int(LIFETIME.total_seconds())),
        visit.cookie(LOGIN_COOKIE, "", 0),
    ]
    return _redirect(visit, next_path, cookies)


@console.route("/console/logout", methods=["POST"], content_types=["*/*"])
@page
def sign_out(visit: Visit) -> Response:
    """End the session (its cookie is removed), back to the sign-in page."""
    if visit.session is None or visit.signer is None:
        return _redirect(visit, "/console/login")
    form = _form(visit)
    if not visit.signer.csrf_ok(visit.session.nonce, form.get("csrf")):
        return _forbidden(visit)
    log.info("console: %s signed out", visit.me)
    return _redirect(visit, "/console/login?bye=1", [visit.cookie(SESSION_COOKIE, "", 0)])


@console.route("/console/language", methods=["GET"])
@page
def language(visit: Visit) -> Response:
    """The language switch: remembered in a cookie, back to the page it was pressed on."""
    from chalicelib.domain.words import LANGUAGES

    chosen = visit.query("to")
    next_path = _next(visit.query("next"))
    if chosen not in LANGUAGES:
        return _redirect(visit, next_path)
    return _redirect(visit, next_path, [visit.cookie(LANGUAGE_COOKIE, chosen, YEAR)])


# ----- the board -----


@console.route("/console", methods=["GET"])
@page
def board_page(visit: Visit) -> Response:
    """Every complaint not yet closed, by its next breach, with live countdowns; filters; counts per grade."""
    from pydantic import ValidationError

    from chalicelib.console.pages import board_rows
    from chalicelib.domain.board import BoardQuery
    from chalicelib.domain.vocabulary import Category, ClockState, Grade, Priority

    params = {name: value for name, value in (visit.request.query_params or {}).items() if value}
    here = HOME + ("?" + urlencode(params) if params else "")
    away = _signed_in(visit, here)
    if away is not None:
        return away
    try:
        query = BoardQuery.model_validate(params)
    except ValidationError as exc:
        names = [visit.texts(FILTER_WORDS.get(str(error["loc"][0]), "field.other")) for error in exc.errors()]
        message = visit.texts("board.bad_filter", names=visit.texts.listing(list(dict.fromkeys(names))))
        return _html(visit, "message.html", HOME, 400, message=message, code=400)
    board = visit.running.workflow.board(query, visit.now, visit.me)
    return _html(
        visit,
        "board.html",
        here,
        query=query,
        rows=board_rows(board, visit.texts, visit.now),
        counts=[(grade.value, visit.texts.word(grade), board.counts[grade]) for grade in reversed(Grade)],
        filtered=bool(params),
        as_of=visit.texts.time(visit.now),
        grade_href=lambda grade: visit.url(HOME + "?" + urlencode({**params, "grade": grade})),
        priorities=[(item.value, visit.texts.word(item)) for item in Priority],
        categories=[(item.value, visit.texts.word(item)) for item in Category],
        grades=[(item.value, visit.texts.word(item)) for item in reversed(Grade)],
        paused_word=visit.texts.word(ClockState.PAUSED),
    )


# ----- a complaint -----


@console.route("/console/complaints/{complaint_id}", methods=["GET"])
@page
def complaint_page(visit: Visit, complaint_id: str) -> Response:
    """A complaint: the customer, every clock, the timeline, and what can be done now."""
    from chalicelib.domain.vocabulary import STAFF_EVENTS

    away = _at_complaint(visit, complaint_id)
    if away is not None:
        return away
    done = visit.query("done")
    recorded = next((event for event in STAFF_EVENTS if event.value == done), None)
    return _complaint(visit, complaint_id, 200, done=recorded)


def _complaint(visit: Visit, complaint_id: str, status: int, problem: str | None = None, done: Any = None) -> Response:
    from chalicelib.console.actions import CHOICES, offered, running_clocks
    from chalicelib.console.pages import clock_cards, timeline
    from chalicelib.domain.vocabulary import ClockName, Flag, Grade, PauseReason, Status
    from chalicelib.domain.workflow import allowed_events

    running, texts = visit.running, visit.texts
    complaint = running.workflow.get(complaint_id)
    trail = running.workflow.trail(complaint_id)
    return _html(
        visit,
        "complaint.html",
        f"/console/complaints/{complaint_id}",
        status,
        complaint=complaint,
        status_word=texts.word(complaint.status),
        paused=None if complaint.paused_reason is None else texts.word(PauseReason(complaint.paused_reason)),
        closed=complaint.status is Status.CLOSED,
        words=texts.word,
        received=texts.time(complaint.received_at),
        clocks=clock_cards(complaint, visit.now, running.policies, texts),
        entries=timeline(trail, texts, running.sources.sources),
        forms=offered(complaint, allowed_events(complaint)),
        form_key=secrets.token_urlsafe(16),
        reasons=[(reason.value, texts.word(reason)) for reason in PauseReason],
        running=[(name, texts.word(ClockName(name))) for name in running_clocks(complaint)],
        scores=[(score, texts("form.score_value", score=score)) for score in range(5, 0, -1)],
        choices=[
            (name, [(c.value, texts.word(c), c == getattr(complaint, name)) for c in kind])
            for name, kind in CHOICES.items()
        ],
        flags=[(flag.value, texts.word(flag), bool(getattr(complaint, flag.value))) for flag in Flag],
        problem=problem,
        done=None if done is None else texts.word(done),
        grade_of=lambda value: texts.word(Grade(value)),
    )


@console.route("/console/complaints/{complaint_id}/events", methods=["POST"], content_types=["*/*"])
@page
def act(visit: Visit, complaint_id: str) -> Response:
    """An action from a complaint's page, recorded as the signed-in person; back to the page (or why not)."""
    from chalicelib.console.actions import event_request

    away = _at_complaint(visit, complaint_id)
    if away is not None:
        return away
    assert visit.session is not None
    assert visit.signer is not None
    form = _form(visit)
    if not visit.signer.csrf_ok(visit.session.nonce, form.get("csrf")):
        return _forbidden(visit)
    data = event_request(form, visit.me, visit.running.policies.display.tz)
    key = form.get("key")
    try:
        _, applied = visit.running.workflow.record(
            complaint_id, data, key if key and FORM_KEY.match(key) else None, visit.now, visit.me
        )
    except (Conflict, InvalidFields) as error:
        from chalicelib.web import problem_for

        log.info("console: complaint %s event %s refused (%s)", complaint_id, data["type"], type(error).__name__)
        return _complaint(visit, complaint_id, problem_for(error).status, problem=_why(visit.texts, error, data))
    log.info(
        "console: complaint %s event %s by %s%s", complaint_id, data["type"], visit.me, "" if applied else " (repeat)"
    )
    return _redirect(visit, f"/console/complaints/{complaint_id}?" + urlencode({"done": str(data["type"])}))


def _why(texts: Texts, error: DomainError, data: Mapping[str, object]) -> str:
    """Why an action was refused, in words."""
    from chalicelib.console.actions import ACTIONS
    from chalicelib.domain.vocabulary import PauseReason
    from chalicelib.domain.workflow import InvalidTransition

    labels = {action.event.value: texts(action.label) for action in ACTIONS}
    if isinstance(error, InvalidTransition):
        key = "refused.transition_paused" if error.paused else "refused.transition"
        return texts(
            key,
            event=labels.get(str(data.get("type")), str(data.get("type"))),
            status=texts.word(error.status),
            allowed=texts.listing([labels[event.value] for event in error.allowed if event.value in labels]),
        )
    if isinstance(error, InvalidFields):
        names = []
        for problem in error.errors:
            if problem.field == "note" and data.get("reason") == PauseReason.FORCE_MAJEURE.value:
                names.append(texts("field.force_majeure_note"))
            elif problem.field == "customer_informed":
                names.append(texts("field.customer_informed"))
            elif problem.field in ("note", "assignee", "reason", "score", "at", "department", "clock", "deadline"):
                names.append(texts(f"field.{problem.field}"))
            elif problem.field == "type" and data.get("type") == "triage":
                names.append(texts("field.triage"))
            else:
                names.append(texts("field.other"))
        return texts("refused.fields", fields=texts.listing(list(dict.fromkeys(names))))
    return texts("refused.conflict")


# ----- static files -----


@console.route("/console/static/{name}", methods=["GET"])
@page
def static_file(visit: Visit, name: str) -> Response:
    """The console's stylesheet and script: kept a year when asked for by their versioned address."""
    from chalicelib.console.render import assets

    asset = assets().get(name)
    if asset is None:
        return _message(visit, 404, "error.page_not_found")
    tag = f'"{asset.version}"'
    lasting = visit.query("v") == asset.version
    headers: dict[str, str | list[str]] = {
        "Content-Type": asset.content_type,
        "Cache-Control": "public, max-age=31536000, immutable" if lasting else "public, max-age=300",
        "ETag": tag,
    }
    if visit.request.headers.get("if-none-match") == tag:
        return Response(body="", status_code=304, headers=headers)
    return Response(body=asset.body, status_code=200, headers=headers)
