"""Routes and schedules only: parse the request -> call one service -> shape the response."""

from __future__ import annotations

import functools
import json
import logging
import re
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from chalice.app import Chalice, CloudWatchEvent, Cron, Rate, Request, Response

from chalicelib import observability, wiring
from chalicelib.domain.errors import BodyTooLarge, DomainError, NotFound
from chalicelib.signatures import authenticate
from chalicelib.web import (
    PROBLEM_CONTENT_TYPE,
    Problem,
    list_query,
    parse_delivery,
    parse_form_body,
    problem_for,
    server_error,
)

app = Chalice(app_name=observability.SERVICE, configure_logs=False)
observability.logger()  # app.log and the chalicelib loggers write JSON lines
app.log.setLevel(logging.INFO)
COMPLAINT_ID = re.compile(r"^[0-9a-f]{32}$")
HEADER_VALUE = re.compile(r"^[\x21-\x7e]{1,255}$")


@app.middleware("all")
def log_context(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Every log line of an invocation carries its function name, request id and complaint id (if any)."""
    context = getattr(app, "lambda_context", None) if isinstance(event, Request) else getattr(event, "context", None)
    params = getattr(event, "uri_params", None) or {}
    observability.bind(
        function=getattr(context, "function_name", None),
        request_id=getattr(context, "aws_request_id", None),
        complaint_id=params.get("complaint_id"),
    )
    try:
        return get_response(event)
    finally:
        observability.unbind()


def problem_response(problem: Problem) -> Response:
    """An RFC 9457 problem+json response."""
    return Response(
        body=json.dumps(problem.body(), ensure_ascii=False),
        status_code=problem.status,
        headers={"Content-Type": PROBLEM_CONTENT_TYPE, **problem.headers},
    )


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def answers_problems(view: Callable[..., Response]) -> Callable[..., Response]:
    """Domain errors become their problem; anything else a bare 500 problem, logged without the request."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except DomainError as error:
            return problem_response(problem_for(error))
        except Exception as exc:  # noqa: BLE001 - the last line of defence: a bare 500 problem
            # The type and the frames, never the message: messages can quote the request (customer details).
            frames = "".join(traceback.format_tb(exc.__traceback__))
            app.log.error("unhandled %s in %s\n%s", type(exc).__name__, view.__name__, frames)
            return problem_response(server_error())

    return wrapped


def staff_only(view: Callable[..., Response]) -> Callable[..., Response]:
    """Refuse the request with 401 unless it carries a valid staff bearer token."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        if not wiring.authenticator().accepts(_request().headers.get("authorization")):
            problem = Problem(
                401,
                "Unauthorized",
                "This route needs a staff token: send Authorization: Bearer <token>.",
                headers={"WWW-Authenticate": 'Bearer realm="complaint-sla-monitor"'},
            )
            return problem_response(problem)
        return view(*args, **kwargs)

    return wrapped


def _request() -> Request:
    request = app.current_request
    assert request is not None, "only called while a request is handled"
    return request


def _header(name: str) -> str | None:
    value: str | None = _request().headers.get(name)
    if value is None:
        return None
    if not HEADER_VALUE.match(value):
        from chalicelib.domain.errors import FieldError, InvalidFields

        raise InvalidFields([FieldError(name, "must be 1-255 visible ASCII characters")])
    return value


@app.route("/complaints", methods=["POST"], content_types=["*/*"])
@answers_problems
def post_complaint() -> Response:
    """Intake webhook of the `web` source (a public form): a submission becomes a complaint (once)."""
    return _with_cors("web", _intake("web"))


@app.route("/complaints", methods=["OPTIONS"])
@answers_problems
def preflight_complaint() -> Response:
    """CORS preflight for the public form: allowed origins get the go-ahead, others a 403."""
    origin = _request().headers.get("origin")
    if origin is None or origin not in wiring.sources().sources["web"].cors_origins:
        return problem_response(Problem(403, "Forbidden", "This origin may not post complaints here."))
    headers = {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, Idempotency-Key",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }
    return Response(body="", status_code=204, headers=headers)


@app.route("/webhooks/{source}", methods=["POST"], content_types=["*/*"])
@answers_problems
def post_webhook(source: str) -> Response:
    """Intake webhook of a configured source (signed, or a mapped form service): a complaint, once."""
    if source not in wiring.sources().sources:
        raise NotFound("No intake source has this name.")
    return _with_cors(source, _intake(source))


def _intake(source: str) -> Response:
    from chalicelib.domain.sources import check_honeypot, ignored_event, map_payload
    from chalicelib.services.intake import DeliveryKeys
    from chalicelib.views import complaint_view

    spec = wiring.sources().sources[source]
    request = _request()
    raw = request.raw_body or b""
    body = raw.encode("utf-8") if isinstance(raw, str) else raw
    limit = wiring.settings().max_body_bytes
    if len(body) > limit:
        raise BodyTooLarge(f"The body is {len(body)} bytes; the limit is {limit} bytes.")
    query = request.query_params
    tokens = query.getlist("token") if query is not None and "token" in query else []
    authenticate(spec.auth, wiring.settings().secrets_for(source), body, request.headers, tokens)
    multipart = spec.auth != "public"
    data = parse_delivery(
        request.headers.get("content-type"), body, limit, multipart=multipart, json_fields=tuple(spec.json_fields)
    )
    ignored = ignored_event(data, spec)
    if ignored is not None:
        app.log.info("delivery ignored source=%s (not an accepted event)", source)
        return json_response({"stored": False, "detail": ignored}, 202)
    check_honeypot(data, spec)
    if spec.honeypot is not None:
        data.pop(spec.honeypot, None)
    delivery = DeliveryKeys(idempotency_key=_header("idempotency-key"), webhook_id=_header("webhook-id"), source=source)
    now = wiring.utc_now()
    opened = wiring.intake().open(map_payload(data, spec), delivery, now)
    complaint = opened.complaint
    app.log.info(
        "complaint %s %s source=%s policy=%s",
        complaint.id,
        "created" if opened.created else "repeat",
        source,
        complaint.policy.name,
    )
    shown = complaint_view(complaint, now, wiring.policies(), staff=False)
    location = f"/complaints/{complaint.id}"
    return json_response(shown, 201 if opened.created else 200, {"Location": location})


def _with_cors(source: str, response: Response) -> Response:
    origin = _request().headers.get("origin")
    spec = wiring.sources().sources[source]
    if spec.auth == "public" and origin is not None and origin in spec.cors_origins:
        response.headers.update({"Access-Control-Allow-Origin": origin, "Vary": "Origin"})
    return response


@app.route("/complaints/{complaint_id}", methods=["GET"])
@answers_problems
@staff_only
def get_complaint(complaint_id: str) -> Response:
    """One complaint with its clocks, for staff."""
    from chalicelib.views import complaint_view

    complaint = wiring.workflow().get(_complaint_id(complaint_id))
    return json_response(complaint_view(complaint, wiring.utc_now(), wiring.policies(), staff=True))


@app.route("/complaints/{complaint_id}/events", methods=["POST"], content_types=["*/*"])
@answers_problems
@staff_only
def post_event(complaint_id: str) -> Response:
    """A staff event (respond, resolve, confirm, ...): the complaint after it, with its clocks."""
    from chalicelib.views import complaint_view

    complaint_id = _complaint_id(complaint_id)
    data = _json_object()
    now = wiring.utc_now()
    complaint, applied = wiring.workflow().record(complaint_id, data, _header("idempotency-key"), now)
    app.log.info("complaint %s event %s%s", complaint_id, data.get("type"), "" if applied else " (repeat)")
    return json_response(complaint_view(complaint, now, wiring.policies(), staff=True), 200)


@app.route("/complaints/{complaint_id}/events", methods=["GET"])
@answers_problems
@staff_only
def get_events(complaint_id: str) -> Response:
    """The audit trail of a complaint, oldest first: every staff event and every notice."""
    from chalicelib.views import event_view

    events = wiring.workflow().trail(_complaint_id(complaint_id))
    policies = wiring.policies()
    return json_response({"items": [event_view(event, policies) for event in events]})


@app.route("/complaints", methods=["GET"])
@answers_problems
@staff_only
def list_complaints() -> Response:
    """Complaints by status (newest first), filtered, a page at a time (`cursor` from `next_cursor`)."""
    from chalicelib.views import complaint_view

    query = list_query(_request().query_params or {})
    now = wiring.utc_now()
    found, cursor = wiring.workflow().list(query, now)
    policies = wiring.policies()
    items = [complaint_view(complaint, now, policies, staff=True) for complaint in found]
    return json_response({"items": items, "next_cursor": cursor})


@app.route("/reports/monthly", methods=["GET"])
@answers_problems
@staff_only
def monthly_report() -> Response:
    """The monthly service-quality report: JSON, or CSV with format=csv or Accept: text/csv."""
    params: Mapping[str, str] = _request().query_params or {}
    service = wiring.reports()
    month = service.check_month(params.get("month"), wiring.utc_now())
    fmt = params.get("format")
    if fmt not in (None, "json", "csv"):
        from chalicelib.domain.errors import FieldError, InvalidFields

        raise InvalidFields([FieldError("format", "must be json or csv")])
    report = service.report(month)
    wants_csv = fmt == "csv" or (fmt is None and "text/csv" in (_request().headers.get("accept") or ""))
    if wants_csv:
        from chalicelib.domain.report import to_csv

        headers: dict[str, str | list[str]] = {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="service-quality-{month}.csv"',
        }
        return Response(body=to_csv(report), status_code=200, headers=headers)
    return json_response(report)


@app.route("/openapi.json", methods=["GET"])
@answers_problems
def openapi() -> Response:
    """The OpenAPI 3.1 document of this API."""
    from chalicelib.openapi import document

    return json_response(document())


def _complaint_id(value: str) -> str:
    if not COMPLAINT_ID.match(value):
        raise NotFound("No complaint has this id.")
    return value


def _json_object() -> dict[str, Any]:
    request = _request()
    raw = request.raw_body or b""
    body = raw.encode("utf-8") if isinstance(raw, str) else raw
    content_type = request.headers.get("content-type")
    if not (content_type or "").lower().startswith("application/json"):
        from chalicelib.domain.errors import UnsupportedMediaType

        raise UnsupportedMediaType("Send the event as application/json.")
    return parse_form_body(content_type, body, wiring.settings().max_body_bytes)


@app.schedule(Rate(1, unit=Rate.MINUTES), name="scan_due")
def scan_due(event: CloudWatchEvent) -> None:
    """Every minute: raise the notices that are due, once each, and retry undelivered ones."""
    context: Any = event.context
    report = wiring.scanner().run(
        wiring.utc_now(), time_left=lambda: float(context.get_remaining_time_in_millis()) / 1000.0
    )
    if report.complaints or report.retried or report.stopped_early or report.quarantined:
        app.log.info("scan %s", json.dumps(report.as_dict()))
    observability.emit(
        {
            "ScansCompleted": (1, "Count"),
            "NoticesSent": (report.delivered, "Count"),
            "NoticesFailed": (report.failed, "Count"),
            "NoticesPending": (report.pending_notices, "Count"),
            "OldestPendingNoticeAge": (report.oldest_pending_seconds, "Seconds"),
            "ScanDuration": (report.duration_seconds, "Seconds"),
            "ScanLag": (report.lag_seconds, "Seconds"),
            "QuarantinedComplaints": (report.quarantined, "Count"),
        }
    )


@app.schedule(Cron(0, "*", "?", "*", "*", "*"), name="send_digests")
def send_digests(event: CloudWatchEvent) -> None:
    """Every hour: the escalation digest of the hour just ended (or the daily summary), once per audience, and
    any earlier digest still owed."""
    report = wiring.digests().run(wiring.utc_now())
    if report.sent or report.failed or report.retried:
        app.log.info("digests %s", json.dumps(report.__dict__))
    observability.emit({"DigestsSent": (len(report.sent), "Count"), "DigestsFailed": (len(report.failed), "Count")})


@app.schedule(Cron(0, 1, "1-7", "*", "?", "*"), name="send_monthly_report")
def send_monthly_report(event: CloudWatchEvent) -> None:
    """On the 1st at 09:00 Shanghai time: last month's service-quality report to management, once; tried again
    daily through the 7th if it did not go out."""
    month = wiring.reports().send_monthly(wiring.utc_now())
    if month is not None:
        app.log.info("monthly report %s sent", month)


@app.schedule(Cron(5, "*", "?", "*", "*", "*"), name="watch_calendars")
def watch_calendars(event: CloudWatchEvent) -> None:
    """Every hour: days left of confirmed holiday data (weekly operator notice from 60 days before the end),
    and provisional deadlines recomputed once their year is confirmed."""
    report = wiring.calendars().run(wiring.utc_now())
    if report.recomputed or report.warned or report.failed:
        app.log.info("calendars %s", json.dumps(report.__dict__))
    for name, days_left in report.days_left.items():
        observability.emit({"CalendarDaysLeft": (days_left, "Count")}, {"calendar": name})
