"""The OpenAPI 3.1 document, generated from pydantic models: the request models the app validates with and
response models that mirror `chalicelib.views` (tests check every response against them)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.intake import Submission
from chalicelib.domain.workflow import EventRequest

Grade = Literal["ok", "warning", "minor", "major"]
ClockState = Literal["running", "paused", "met", "breached", "stopped"]
StatusName = Literal["open", "resolved", "closed"]


class ClockView(BaseModel):
    """A started clock's current cycle. Seconds are working time on the clock's calendar."""

    model_config = ConfigDict(extra="forbid")

    state: ClockState
    cycle: int
    started_at: str
    deadline: str | None
    target: str
    calendar: str
    paused_seconds: int
    grade: Grade
    provisional: bool = Field(
        description="True while the deadline rests on a year whose adjusted working days are not yet confirmed "
        "(counted on the statutory holidays); it is recomputed when the year is confirmed"
    )
    remaining_seconds: int | None = None
    overdue_seconds: int | None = None
    ended_at: str | None = None
    pause_reason: str | None = None
    error: str | None = None


class QuarantineView(BaseModel):
    """Why the scanner could not evaluate the complaint's clocks, since when, and its next try."""

    model_config = ConfigDict(extra="forbid")

    error: str
    since: str
    attempts: int
    retry_at: str


class PolicyView(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    version: str


class ContactView(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    email: str | None
    phone: str | None


class ComplaintView(BaseModel):
    """A complaint as the intake webhook answers it (no contact details)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[0-9a-f]{32}$")
    status: StatusName
    received_at: str
    category: Literal["service", "staff", "product_quality"]
    priority: Literal["urgent", "important", "general"]
    complexity: Literal["general", "complex"]
    channel: Literal["web_form", "phone", "email", "chat", "in_person", "other"]
    subject: str
    external_id: str | None
    policy: PolicyView
    clocks: dict[str, ClockView]
    version: int
    quarantine: QuarantineView | None = None


class StaffComplaintView(ComplaintView):
    """A complaint as staff see it."""

    customer: ContactView
    customer_tier: str
    description: str
    assignee: str | None
    paused_reason: str | None
    satisfaction: int | None
    resolved_at: str | None
    closed_at: str | None
    created_at: str
    allowed_events: list[str]


class ComplaintPage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[StaffComplaintView]
    next_cursor: str | None


class AuditEventView(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sequence: int
    type: str
    at: str
    recorded_at: str
    by: str
    status_before: StatusName | None
    status_after: StatusName
    details: dict[str, str]


class AuditTrail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[AuditEventView]


class FieldProblem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str
    message: str


class ProblemDetails(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="forbid")

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None


class IgnoredDelivery(BaseModel):
    """A delivery whose event the source does not accept (a partial response): answered, nothing stored."""

    model_config = ConfigDict(extra="forbid")

    stored: bool
    detail: str


_MODELS: tuple[type[BaseModel], ...] = (
    Submission,
    EventRequest,
    ComplaintView,
    StaffComplaintView,
    ComplaintPage,
    AuditTrail,
    ProblemDetails,
    IgnoredDelivery,
)
_PROBLEM_STATUS = {
    400: "Malformed body, or a rejected (automated) submission",
    401: "Not authenticated (staff token, or webhook signature)",
    403: "Origin not allowed",
    404: "No such complaint",
    409: "Conflicts with the complaint's state",
    500: "The complaint's stored record cannot be read (quarantined)",
    413: "Body over 64 KiB",
    415: "Unsupported content type",
    422: "Invalid fields",
    503: "Store busy; retry after Retry-After",
}


def _json(name: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
    }


def _problems(*statuses: int) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/ProblemDetails"}
    return {
        str(code): {"description": _PROBLEM_STATUS[code], "content": {"application/problem+json": {"schema": schema}}}
        for code in statuses
    }


_ID = {
    "name": "complaint_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
}
_IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
}
_STAFF: list[dict[str, list[str]]] = [{"staffToken": []}]


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """The whole OpenAPI document."""
    schemas: dict[str, Any] = {}
    for model in _MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    body_types = {
        "application/json": {"schema": {"$ref": "#/components/schemas/Submission"}},
        "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/Submission"}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "complaint-sla-monitor",
            "version": "1.0.0",
            "description": "Complaint intake, SLA clocks, staff workflow. Errors are RFC 9457 problem+json.",
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {"staffToken": {"type": "http", "scheme": "bearer"}},
        },
        "paths": {
            "/complaints": {
                "post": {
                    "operationId": "postComplaint",
                    "summary": "Intake webhook: a submission becomes a complaint, once per delivery.",
                    "parameters": [
                        _IDEMPOTENCY,
                        {
                            "name": "webhook-id",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string", "maxLength": 255},
                        },
                    ],
                    "requestBody": {"required": True, "content": body_types},
                    "responses": {
                        "201": _json("ComplaintView", "Created; Location names the complaint"),
                        "200": _json("ComplaintView", "A repeat delivery: the complaint the first one created"),
                        **_problems(400, 409, 413, 415, 422, 503),
                    },
                },
                "options": {
                    "operationId": "preflightComplaint",
                    "summary": "CORS preflight of the public form.",
                    "responses": {"204": {"description": "The origin may post"}, **_problems(403)},
                },
                "get": {
                    "operationId": "listComplaints",
                    "summary": "Complaints by status, newest first, filtered, a page at a time.",
                    "security": _STAFF,
                    "parameters": [
                        _query("status", {"enum": ["open", "resolved", "closed"]}, "only this status"),
                        _query("grade", {"enum": ["ok", "warning", "minor", "major"]}, "worst clock grade now"),
                        _query("priority", {"enum": ["urgent", "important", "general"]}, ""),
                        _query("category", {"enum": ["service", "staff", "product_quality"]}, ""),
                        _query("assignee", {"type": "string", "minLength": 1, "maxLength": 100}, ""),
                        _query("received_from", {"type": "string", "format": "date-time"}, "ISO 8601 with offset"),
                        _query("received_to", {"type": "string", "format": "date-time"}, "ISO 8601 with offset"),
                        _query("limit", {"type": "integer", "minimum": 1, "maximum": 100}, "page size, default 25"),
                        _query("cursor", {"type": "string", "maxLength": 512}, "next_cursor of the previous page"),
                    ],
                    "responses": {"200": _json("ComplaintPage", "A page of complaints"), **_problems(401, 422, 503)},
                },
            },
            "/webhooks/{source}": {
                "post": {
                    "operationId": "postWebhook",
                    "summary": "Intake webhook of a configured source: Standard Webhooks signed, payload mapped.",
                    "parameters": [
                        {
                            "name": "source",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "maxLength": 40},
                        },
                        _IDEMPOTENCY,
                        {
                            "name": "webhook-id",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string", "maxLength": 255},
                        },
                        {"name": "webhook-timestamp", "in": "header", "required": False, "schema": {"type": "string"}},
                        {"name": "webhook-signature", "in": "header", "required": False, "schema": {"type": "string"}},
                        {"name": "Typeform-Signature", "in": "header", "required": False, "schema": {"type": "string"}},
                        {"name": "Tally-Signature", "in": "header", "required": False, "schema": {"type": "string"}},
                        {
                            "name": "token",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string"},
                            "description": "the secret of a source with `auth: token` (services that cannot sign)",
                        },
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"type": "object"}},
                            "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
                            "multipart/form-data": {"schema": {"type": "object"}},
                        },
                    },
                    "responses": {
                        "201": _json("ComplaintView", "Created; Location names the complaint"),
                        "200": _json("ComplaintView", "A repeat delivery: the complaint the first one created"),
                        "202": _json("IgnoredDelivery", "An event the source does not accept: nothing was stored"),
                        **_problems(400, 401, 404, 409, 413, 415, 422, 503),
                    },
                }
            },
            "/complaints/{complaint_id}": {
                "get": {
                    "operationId": "getComplaint",
                    "summary": "One complaint with its clocks.",
                    "security": _STAFF,
                    "parameters": [_ID],
                    "responses": {"200": _json("StaffComplaintView", "The complaint"), **_problems(401, 404, 503)},
                }
            },
            "/complaints/{complaint_id}/events": {
                "post": {
                    "operationId": "postEvent",
                    "summary": "A staff event: respond, progress_update, site_visit, assign, resolve, confirm, "
                    "reopen, pause, resume, satisfaction, note.",
                    "security": _STAFF,
                    "parameters": [_ID, _IDEMPOTENCY],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EventRequest"}}},
                    },
                    "responses": {
                        "200": _json("StaffComplaintView", "The complaint after the event"),
                        **_problems(400, 401, 404, 409, 413, 415, 422, 503),
                    },
                },
                "get": {
                    "operationId": "getEvents",
                    "summary": "The audit trail, oldest first.",
                    "security": _STAFF,
                    "parameters": [_ID],
                    "responses": {"200": _json("AuditTrail", "The audit trail"), **_problems(401, 404, 503)},
                },
            },
            "/reports/monthly": {
                "get": {
                    "operationId": "monthlyReport",
                    "summary": "The monthly service-quality report (JSON, or CSV with format=csv or Accept: text/csv).",
                    "security": _STAFF,
                    "parameters": [
                        {
                            "name": "month",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                        },
                        _query("format", {"enum": ["json", "csv"]}, "json (default) or csv"),
                    ],
                    "responses": {
                        "200": {
                            "description": "The report",
                            "content": {
                                "application/json": {"schema": {"type": "object"}},
                                "text/csv": {"schema": {"type": "string"}},
                            },
                        },
                        **_problems(401, 422, 503),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document.",
                    "responses": {"200": {"description": "The OpenAPI document", "content": {"application/json": {}}}},
                }
            },
        },
    }
