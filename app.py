"""Routes and schedules only: parse the request -> call one service -> shape the response. Each route documents
itself (`@documented`), and /openapi.json is generated from those operations."""

from __future__ import annotations

import contextvars
import functools
import json
import logging
import re
import traceback
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from chalice.app import Chalice, CloudWatchEvent, Cron, Rate, Request, Response, SQSEvent
from pydantic import BaseModel

from chalicelib import observability
from chalicelib.auth import StaffMember
from chalicelib.console.routes import console
from chalicelib.customer.routes import customer
from chalicelib.domain.errors import BodyTooLarge, DomainError, FieldError, InvalidFields, NotFound
from chalicelib.openapi import (
    COMPLAINT_ID,
    IDEMPOTENCY_KEY,
    SHORT_CODE,
    SOURCE,
    SOURCE_TOKEN,
    VENDOR_SIGNATURES,
    WEBHOOK_ID,
    WEBHOOK_SIGNATURE,
    Operation,
    documented,
)
from chalicelib.settings import Settings
from chalicelib.signatures import authenticate
from chalicelib.web import (
    PROBLEM_CONTENT_TYPE,
    Problem,
    parse_body,
    parse_delivery,
    problem_for,
    query_model,
    server_error,
)

if TYPE_CHECKING:
    from chalicelib.bootstrap import Services

app = Chalice(app_name=observability.SERVICE, configure_logs=False)
app.register_blueprint(console)  # the staff console's pages (/console), beside the JSON API
app.register_blueprint(customer)  # the customer's status page (/r/{token}), documented with the API
observability.logger()  # app.log and the chalicelib loggers write JSON lines
app.log.setLevel(logging.INFO)
COMPLAINT_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
HEADER_VALUE = re.compile(r"^[\x21-\x7e]{1,255}$")
FORMS = ("application/json", "application/x-www-form-urlencoded")
VIEWS = "chalicelib.views"


def services() -> Services:
    """The services of this container, built once (on first use; at cold start on Lambda)."""
    from chalicelib.bootstrap import services as built

    return built()


if Settings.on_lambda():
    services()  # fail fast: a missing or malformed setting stops the cold start, naming it


@app.middleware("all")
def log_context(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Every log line of an invocation carries its function name, request id and complaint id (if any); an HTTP
    request's calls to AWS share one time budget, so that it is answered before API Gateway gives up."""
    from chalicelib.budget import API_BUDGET, budget

    context = getattr(app, "lambda_context", None) if isinstance(event, Request) else getattr(event, "context", None)
    params = getattr(event, "uri_params", None) or {}
    observability.bind(
        function=getattr(context, "function_name", None),
        request_id=getattr(context, "aws_request_id", None),
        complaint_id=params.get("complaint_id"),
    )
    try:
        if isinstance(event, Request):
            with budget(API_BUDGET):
                return get_response(event)
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


def json_response(
    body: BaseModel | Mapping[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A JSON response; a response model shows the fields its view set (optional ones left out, not null)."""
    if isinstance(body, BaseModel):
        text = body.model_dump_json(exclude_unset=True)
    else:
        text = json.dumps(body, ensure_ascii=False)
    return Response(body=text, status_code=status, headers={"Content-Type": "application/json", **(headers or {})})


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


def public_cors(view: Callable[..., Response]) -> Callable[..., Response]:
    """Every answer of a public source's route (errors included) carries CORS headers for an allowed origin, so
    that the form can show what was wrong."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        response = view(*args, **kwargs)
        origin = _request().headers.get("origin")
        source = kwargs.get("source", "web")
        try:
            spec = services().sources.sources.get(source)
        except Exception:  # noqa: BLE001 - the answer stands without CORS headers if the sources cannot be read
            return response
        if spec is not None and spec.auth == "public" and origin is not None and origin in spec.cors_origins:
            response.headers.update(
                {
                    "Access-Control-Allow-Origin": origin,
                    "Access-Control-Expose-Headers": "Location, Retry-After",
                    "Vary": "Origin",
                }
            )
        return response

    return wrapped


_STAFF: contextvars.ContextVar[StaffMember | None] = contextvars.ContextVar("staff", default=None)


def staff_only(view: Callable[..., Response]) -> Callable[..., Response]:
    """Refuse the request with 401 unless it carries a valid staff bearer token; `current_staff()` is then the
    person the token belongs to."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        member = services().authenticator.identify(_request().headers.get("authorization"))
        if member is None:
            problem = Problem(
                401,
                "Unauthorized",
                "This route needs a staff token: send Authorization: Bearer <token>.",
                headers={"WWW-Authenticate": 'Bearer realm="complaint-sla-monitor"'},
            )
            return problem_response(problem)
        token = _STAFF.set(member)
        try:
            return view(*args, **kwargs)
        finally:
            _STAFF.reset(token)

    return wrapped


def current_staff() -> StaffMember:
    """The staff member whose token authorized the request being handled (inside a `staff_only` route)."""
    member = _STAFF.get()
    assert member is not None, "only inside a staff_only route"
    return member


def _request() -> Request:
    request = app.current_request
    assert request is not None, "only called while a request is handled"
    return request


def _header(name: str) -> str | None:
    value: str | None = _request().headers.get(name)
    if value is None:
        return None
    if not HEADER_VALUE.match(value):
        raise InvalidFields([FieldError(name, "must be 1-255 visible ASCII characters")])
    return value


def _body() -> bytes:
    raw = _request().raw_body or b""
    return raw.encode("utf-8") if isinstance(raw, str) else raw


INTAKE = Operation(
    summary="Intake webhook: a submission becomes a complaint, once per delivery.",
    responses={
        201: (f"{VIEWS}:ComplaintView", "Created; Location names the complaint"),
        200: (f"{VIEWS}:ComplaintView", "A repeat delivery: the complaint the first one created"),
    },
    problems=(400, 409, 413, 415, 422, 503),
    body="chalicelib.domain.intake:Submission",
    body_types=FORMS,
    parameters=(IDEMPOTENCY_KEY, WEBHOOK_ID),
)


@app.route("/complaints", methods=["POST"], content_types=["*/*"])
@documented(INTAKE)
@public_cors
@answers_problems
def post_complaint() -> Response:
    """Intake webhook of the `web` source (a public form): a submission becomes a complaint (once)."""
    return _intake("web")


@app.route("/complaints", methods=["OPTIONS"])
@documented(Operation("CORS preflight of the public form.", {204: (None, "The origin may post")}, problems=(403,)))
@answers_problems
def preflight_complaint() -> Response:
    """CORS preflight for the public form: allowed origins get the go-ahead, others a 403."""
    origin = _request().headers.get("origin")
    if origin is None or origin not in services().sources.sources["web"].cors_origins:
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
@documented(
    Operation(
        summary="Intake webhook of a configured source: Standard Webhooks signed, payload mapped.",
        responses={
            **INTAKE.responses,
            202: (f"{VIEWS}:IgnoredDelivery", "An event the source does not accept: nothing was stored"),
        },
        problems=(400, 401, 404, 409, 413, 415, 422, 503),
        body={"type": "object"},
        body_types=(*FORMS, "multipart/form-data"),
        parameters=(SOURCE, IDEMPOTENCY_KEY, WEBHOOK_ID, *WEBHOOK_SIGNATURE, *VENDOR_SIGNATURES, SOURCE_TOKEN),
    )
)
@public_cors
@answers_problems
def post_webhook(source: str) -> Response:
    """Intake webhook of a configured source (signed, or a mapped form service): a complaint, once."""
    if source not in services().sources.sources:
        raise NotFound("No intake source has this name.")
    return _intake(source)


def _intake(source: str) -> Response:
    from chalicelib.domain.sources import check_honeypot, ignored_event, map_delivery
    from chalicelib.services.intake import Delivery
    from chalicelib.views import complaint_view

    running = services()
    spec = running.sources.sources[source]
    body = _body()
    limit = running.settings.max_body_bytes
    if len(body) > limit:
        raise BodyTooLarge(f"The body is {len(body)} bytes; the limit is {limit} bytes.")
    query = _request().query_params
    tokens = query.getlist("token") if query is not None and "token" in query else []
    authenticate(spec.auth, running.settings.secrets_for(source), body, _request().headers, tokens)
    data = parse_delivery(
        _request().headers.get("content-type"),
        body,
        limit,
        multipart=spec.auth != "public",
        json_fields=tuple(spec.json_fields),
    )
    ignored = ignored_event(data, spec)
    if ignored is not None:
        app.log.info("delivery ignored source=%s (not an accepted event)", source)
        return json_response({"stored": False, "detail": ignored}, 202)
    check_honeypot(data, spec)
    if spec.honeypot is not None:
        data.pop(spec.honeypot, None)
    delivery = Delivery(
        source, idempotency_key=_header("idempotency-key"), webhook_id=_header("webhook-id"), signed=spec.signed
    )
    now = running.clock.now()
    mapped, refused = map_delivery(data, spec, now)
    opened = running.intake.open(mapped, delivery, now, refused)
    complaint = opened.complaint
    app.log.info(
        "complaint %s %s source=%s policy=%s",
        complaint.id,
        "created" if opened.created else "repeat",
        source,
        complaint.policy.name,
    )
    shown = complaint_view(complaint, now, running.policies, staff=False)
    if opened.receipt_url is not None:
        shown = shown.model_copy(update={"receipt_url": opened.receipt_url})
    return json_response(shown, 201 if opened.created else 200, {"Location": f"/complaints/{complaint.id}"})


@app.route("/complaints/{complaint_id}", methods=["GET"])
@documented(
    Operation(
        summary="One complaint with its clocks.",
        responses={200: (f"{VIEWS}:StaffComplaintView", "The complaint")},
        problems=(401, 404, 500, 503),
        parameters=(COMPLAINT_ID,),
        staff=True,
    )
)
@answers_problems
@staff_only
def get_complaint(complaint_id: str) -> Response:
    """One complaint with its clocks, for staff."""
    from chalicelib.views import complaint_view

    running = services()
    complaint = running.workflow.get(_complaint_id(complaint_id))
    return json_response(complaint_view(complaint, running.clock.now(), running.policies, staff=True))


@app.route("/complaints/{complaint_id}/events", methods=["POST"], content_types=["*/*"])
@documented(
    Operation(
        summary="A staff event: respond, progress_update, site_visit, handoff, approve, plan, dispatch, reply, "
        "assign, resolve, confirm, reopen, pause, resume, agree, triage, satisfaction, note.",
        responses={200: (f"{VIEWS}:StaffComplaintView", "The complaint after the event")},
        problems=(400, 401, 404, 409, 413, 415, 422, 503),
        body="chalicelib.domain.workflow:EventRequest",
        parameters=(COMPLAINT_ID, IDEMPOTENCY_KEY),
        staff=True,
    )
)
@answers_problems
@staff_only
def post_event(complaint_id: str) -> Response:
    """A staff event (respond, resolve, confirm, ...): the complaint after it, with its clocks."""
    from chalicelib.views import complaint_view

    running = services()
    complaint_id = _complaint_id(complaint_id)
    data = _json_object()
    now = running.clock.now()
    complaint, applied = running.workflow.record(
        complaint_id, data, _header("idempotency-key"), now, current_staff().name
    )
    app.log.info("complaint %s event %s%s", complaint_id, data.get("type"), "" if applied else " (repeat)")
    return json_response(complaint_view(complaint, now, running.policies, staff=True), 200)


@app.route("/complaints/{complaint_id}/erase", methods=["POST"], content_types=["*/*"])
@documented(
    Operation(
        summary="Erase the customer's personal data (PIPL, GDPR): name, contact details and description, from every "
        "item of the complaint; the anonymous complaint, its clocks, audit trail and report counts stay.",
        responses={200: (f"{VIEWS}:StaffComplaintView", "The complaint after the erasure")},
        problems=(400, 401, 404, 409, 413, 415, 422, 503),
        body="chalicelib.domain.erasure:EraseRequest",
        parameters=(COMPLAINT_ID,),
        staff=True,
    )
)
@answers_problems
@staff_only
def erase_complaint(complaint_id: str) -> Response:
    """Erase the customer's personal data from a complaint, recorded with who and why."""
    from chalicelib.views import complaint_view

    running = services()
    complaint_id = _complaint_id(complaint_id)
    data = _json_object()
    now = running.clock.now()
    erased = running.workflow.erase(complaint_id, data, now, current_staff().name)
    app.log.info("complaint %s: personal data erased", complaint_id)
    return json_response(complaint_view(erased, now, running.policies, staff=True), 200)


@app.route("/complaints/{complaint_id}/events", methods=["GET"])
@documented(
    Operation(
        summary="The audit trail, oldest first.",
        responses={200: (f"{VIEWS}:AuditTrail", "The audit trail")},
        problems=(401, 404, 503),
        parameters=(COMPLAINT_ID,),
        staff=True,
    )
)
@answers_problems
@staff_only
def get_events(complaint_id: str) -> Response:
    """The audit trail of a complaint, oldest first: every staff event and every notice."""
    running = services()
    from chalicelib.views import AuditTrail, event_view

    events = running.workflow.trail(_complaint_id(complaint_id))
    return json_response(AuditTrail(items=[event_view(event, running.policies) for event in events]))


@app.route("/complaints", methods=["GET"])
@documented(
    Operation(
        summary="Complaints by status, newest first, filtered, a page at a time.",
        responses={200: (f"{VIEWS}:ComplaintPage", "A page of complaints")},
        problems=(401, 422, 503),
        query="chalicelib.domain.listing:ListQuery",
        staff=True,
    )
)
@answers_problems
@staff_only
def list_complaints() -> Response:
    """Complaints by status (newest first), filtered, a page at a time (`cursor` from `next_cursor`)."""
    from chalicelib.domain.listing import ListQuery
    from chalicelib.views import ComplaintPage, complaint_view

    running = services()
    query = query_model(ListQuery, _request().query_params or {})
    now = running.clock.now()
    found, cursor = running.workflow.list(query, now)
    items = [complaint_view(complaint, now, running.policies, staff=True) for complaint in found]
    return json_response(ComplaintPage.model_validate({"items": items, "next_cursor": cursor}))


@app.route("/reports/monthly", methods=["GET"])
@documented(
    Operation(
        summary="The monthly service-quality report (JSON, or CSV with format=csv or Accept: text/csv).",
        responses={
            200: ({"application/json": {"type": "object"}, "text/csv": {"type": "string"}}, "The report"),
        },
        problems=(401, 422, 503),
        query="chalicelib.web:ReportQuery",
        staff=True,
    )
)
@answers_problems
@staff_only
def monthly_report() -> Response:
    """The monthly service-quality report: JSON, or CSV with format=csv or Accept: text/csv."""
    from chalicelib.web import ReportQuery

    running = services()
    query = query_model(ReportQuery, _request().query_params or {})
    month = running.reports.check_month(query.month, running.clock.now())
    report = running.reports.report(month)
    wants_csv = query.format == "csv" or (
        query.format is None and "text/csv" in (_request().headers.get("accept") or "")
    )
    if wants_csv:
        from chalicelib.domain.report_render import to_csv

        headers: dict[str, str | list[str]] = {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="service-quality-{month}.csv"',
        }
        return Response(body=to_csv(report), status_code=200, headers=headers)
    return json_response(report)


@app.route("/c/{code}", methods=["GET"])
@documented(
    Operation(
        summary="The short link an SMS alert carries: to the complaint's page in the console.",
        responses={302: (None, "To {PUBLIC_BASE_URL}/console/complaints/{id}")},
        problems=(404,),
        parameters=(SHORT_CODE,),
    )
)
@answers_problems
def short_link(code: str) -> Response:
    """An SMS has no room for the console link: its short code -> a redirect to the complaint's page."""
    from chalicelib.domain.links import complaint_id_of, console_link

    complaint_id = complaint_id_of(code)
    if complaint_id is None:
        raise NotFound("This short link leads nowhere.")
    location = console_link(services().settings.public_base_url, complaint_id)
    return Response(body="", status_code=302, headers={"Location": location})


@app.route("/openapi.json", methods=["GET"])
@documented(Operation("This document.", {200: ({"application/json": {"type": "object"}}, "The OpenAPI document")}))
@answers_problems
def openapi() -> Response:
    """The OpenAPI 3.1 document of this API, generated from the routes."""
    from chalicelib.openapi import document

    return json_response(document(app.routes, app.app_name))


def _complaint_id(value: str) -> str:
    if not COMPLAINT_ID_PATTERN.match(value):
        raise NotFound("No complaint has this id.")
    return value


def _json_object() -> dict[str, Any]:
    content_type = _request().headers.get("content-type")
    if not (content_type or "").lower().startswith("application/json"):
        from chalicelib.domain.errors import UnsupportedMediaType

        raise UnsupportedMediaType("Send the event as application/json.")
    return parse_body(content_type, _body(), services().settings.max_body_bytes)


def _remaining(event: CloudWatchEvent) -> Callable[[], float]:
    context: Any = event.context
    return lambda: float(context.get_remaining_time_in_millis()) / 1000.0


@app.schedule(Rate(1, unit=Rate.MINUTES), name="scan_due")
def scan_due(event: CloudWatchEvent) -> None:
    """Every minute: raise the notices that are due, once each, and retry undelivered ones."""
    running = services()
    report = running.scanner.run(running.clock.now(), time_left=_remaining(event))
    if report.complaints or report.retried or report.stopped_early or report.quarantined or report.rollups:
        app.log.info("scan %s", json.dumps(report.as_dict()))
    observability.emit(
        {
            "ScansCompleted": (1, "Count"),
            "NoticesSent": (report.delivered, "Count"),
            "NoticesFailed": (report.failed, "Count"),
            "NoticesRolledUp": (report.rolled_up, "Count"),
            "RollUpsSent": (report.rollups, "Count"),
            "NoticesPending": (report.pending_notices, "Count"),
            "OldestPendingNoticeAge": (report.oldest_pending_seconds, "Seconds"),
            "ScanDuration": (report.duration_seconds, "Seconds"),
            "ScanLag": (report.lag_seconds, "Seconds"),
            "QuarantinedComplaints": (report.quarantined, "Count"),
        }
    )
    acknowledged = running.customer.retry(running.clock.now())  # after the scan's own log line and metrics
    if acknowledged:
        app.log.info("acknowledgements retried %d", acknowledged)


@app.schedule(Cron(0, "*", "?", "*", "*", "*"), name="send_digests")
def send_digests(event: CloudWatchEvent) -> None:
    """Every hour: the escalation digest of the hour just ended (or the daily summary), once per audience, and
    any earlier digest still owed."""
    running = services()
    report = running.digests.run(running.clock.now())
    if report.sent or report.failed or report.retried:
        app.log.info("digests %s", json.dumps(report.__dict__))
    observability.emit({"DigestsSent": (len(report.sent), "Count"), "DigestsFailed": (len(report.failed), "Count")})


@app.schedule(Cron(0, 1, "1-7", "*", "?", "*"), name="send_monthly_report")
def send_monthly_report(event: CloudWatchEvent) -> None:
    """On the 1st at 09:00 Shanghai time: last month's service-quality report to management, once; tried again
    daily through the 7th if it did not go out."""
    running = services()
    month = running.reports.send_monthly(running.clock.now())
    if month is not None:
        app.log.info("monthly report %s sent", month)


@app.schedule(Cron(5, "*", "?", "*", "*", "*"), name="watch_calendars")
def watch_calendars(event: CloudWatchEvent) -> None:
    """Every hour: days left of confirmed holiday data (weekly operator notice from 60 days before the end),
    and provisional deadlines recomputed once their year is confirmed."""
    running = services()
    report = running.calendars.run(running.clock.now())
    if report.recomputed or report.warned or report.failed:
        app.log.info("calendars %s", json.dumps(report.__dict__))
    for name, days_left in report.days_left.items():
        observability.emit({"CalendarDaysLeft": (days_left, "Count")}, {"calendar": name})


@app.on_sqs_message(queue="RelayQueue", batch_size=10, name="relay_notices", maximum_concurrency=2)
def relay_notices(event: SQSEvent) -> dict[str, Any]:
    """Notices and roll-ups from the alerts topic (through RelayQueue) -> the channels, once per channel; a message
    that failed for some channel is retried later for those channels only (a partial batch response)."""
    from chalicelib.clock import SystemClock
    from chalicelib.services.relay import RelayMessage

    running = services()
    context: Any = event.context
    messages = [RelayMessage.from_record(record.to_dict()) for record in event]
    # Real time even when the local stack rehearses a date: vendors check signature timestamps against theirs.
    now = SystemClock().now()
    report = running.relay.handle(messages, now, time_left=lambda: float(context.get_remaining_time_in_millis()) / 1000)
    running.adapters.relay_queue.delay(report.delays)
    if report.delivered or report.failures:
        app.log.info(
            "relay %s",
            json.dumps({"messages": report.messages, "delivered": len(report.delivered), "skipped": report.skipped,
                        "failed": [f"{notice} -> {channel}: {reason}" for notice, channel, reason in report.failures]}),
        )  # fmt: skip
    observability.emit(
        {"RelayDelivered": (len(report.delivered), "Count"), "RelayFailed": (len(report.failures), "Count")}
    )
    return {"batchItemFailures": report.batch_item_failures()}


@app.on_sqs_message(queue="TimerQueue", batch_size=10, name="fire_timers")
def fire_timers(event: SQSEvent) -> None:
    """Precision timers (through TimerQueue, each delayed until its threshold): the complaint handled as the minute
    scan handles it, with the same conditional claim, so a timer and the scan never notify one threshold twice. A
    failure raises: the batch comes back (then the dead-letter queue), and the scan covers it meanwhile."""
    import time

    from chalicelib.ports import Timer

    running = services()
    timers = [timer for record in event if (timer := Timer.from_body(record.body)) is not None]
    report = running.scanner.fire_when_due(timers, running.clock, time.sleep)
    if report.claimed or report.quarantined or report.failed:
        app.log.info("timers %s", json.dumps(report.as_dict()))
    observability.emit(
        {
            "TimersFired": (report.timers, "Count"),
            "NoticesSent": (report.delivered, "Count"),
            "NoticesFailed": (report.failed, "Count"),
            "TimerLag": (report.lag_seconds, "Seconds"),
        }
    )
