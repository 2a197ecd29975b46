"""The OpenAPI 3.1 document, generated from the routes themselves: each route's `@documented(...)` metadata (its
summary, request model, responses and problems, parameters, whether staff only) and the pydantic models it
validates with and answers with. Nothing is written beside the routes; `document(routes)` walks `app.routes`.

Models are named `"module:Model"` and imported only when the document is built, so that declaring a route costs
nothing at cold start."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

View = TypeVar("View", bound=Callable[..., Any])

PROBLEM = "chalicelib.views:ProblemDetails"
PROBLEMS: Mapping[int, str] = {
    400: "Malformed body, or a rejected (automated) submission",
    401: "Not authenticated (staff token, or webhook signature)",
    403: "Origin not allowed",
    404: "No such resource",
    409: "Conflicts with the complaint's state, or an Idempotency-Key reused",
    413: "Body over 64 KiB",
    415: "Unsupported content type",
    422: "Invalid fields",
    500: "The complaint's stored record cannot be read (quarantined)",
    503: "Store busy; retry after Retry-After",
}


@dataclass(frozen=True)
class Parameter:
    """A path, header or query parameter, with its JSON schema."""

    name: str
    where: str
    schema: Mapping[str, Any]
    required: bool = False
    description: str = ""

    def document(self) -> dict[str, Any]:
        found: dict[str, Any] = {"name": self.name, "in": self.where, "required": self.required}
        found["schema"] = dict(self.schema)
        if self.description:
            found["description"] = self.description
        return found


Model = str
"""A pydantic model named `"module:Class"` (e.g. `"chalicelib.views:ComplaintView"`)."""


@dataclass(frozen=True)
class Operation:
    """What a route tells the document about itself."""

    summary: str
    responses: Mapping[int, tuple[Model | Mapping[str, Any] | None, str]]
    problems: Sequence[int] = ()
    body: Model | Mapping[str, Any] | None = None
    body_types: Sequence[str] = ("application/json",)
    query: Model | None = None
    parameters: Sequence[Parameter] = ()
    staff: bool = False


def documented(operation: Operation) -> Callable[[View], View]:
    """Attach `operation` to a view function (place it right under `@app.route`)."""

    def attach(view: View) -> View:
        view.__dict__["openapi"] = operation
        return view

    return attach


def model_class(name: Model) -> type[BaseModel]:
    """The model a `"module:Class"` name stands for."""
    module, _, attribute = name.partition(":")
    found = getattr(importlib.import_module(module), attribute)
    if not (isinstance(found, type) and issubclass(found, BaseModel)):
        raise TypeError(f"{name} is not a pydantic model")
    return found


def _schema(model: Model | Mapping[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(model, str):
        return dict(model)
    cls = model_class(model)
    found = cls.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(found.pop("$defs", {}))
    schemas[cls.__name__] = found
    return {"$ref": f"#/components/schemas/{cls.__name__}"}


def _query_parameters(model: Model, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    properties = model_class(model).model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(properties.pop("$defs", {}))
    required = set(properties.get("required", []))
    found = []
    for name, schema in properties["properties"].items():
        description = schema.pop("description", "")
        schema.pop("title", None)
        if "anyOf" in schema:  # an optional parameter: absent rather than null
            options = [option for option in schema.pop("anyOf") if option.get("type") != "null"]
            schema.update(options[0] if len(options) == 1 else {"anyOf": options})
        schema.pop("default", None)
        found.append(Parameter(name, "query", schema, name in required, description).document())
    return found


def _operation(name: str, operation: Operation, schemas: dict[str, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, (model, description) in sorted(operation.responses.items()):
        entry: dict[str, Any] = {"description": description}
        if isinstance(model, Mapping):
            entry["content"] = {media: {"schema": dict(schema)} for media, schema in model.items()}
        elif model is not None:
            entry["content"] = {"application/json": {"schema": _schema(model, schemas)}}
        responses[str(status)] = entry
    problem = {"application/problem+json": {"schema": _schema(PROBLEM, schemas)}}
    for status in operation.problems:
        responses[str(status)] = {"description": PROBLEMS[status], "content": problem}
    found: dict[str, Any] = {"operationId": name, "summary": operation.summary, "responses": responses}
    parameters = [parameter.document() for parameter in operation.parameters]
    if operation.query is not None:
        parameters += _query_parameters(operation.query, schemas)
    if parameters:
        found["parameters"] = parameters
    if operation.body is not None:
        schema = _schema(operation.body, schemas)
        content = {media: {"schema": schema} for media in operation.body_types}
        found["requestBody"] = {"required": True, "content": content}
    if operation.staff:
        found["security"] = [{"staffToken": []}]
    return found


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


def document(routes: Mapping[str, Mapping[str, Any]], title: str) -> dict[str, Any]:
    """The OpenAPI document of `routes` (Chalice's `app.routes`: path -> method -> route entry); the console's
    pages are left out."""
    schemas: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    for path, methods in sorted(routes.items()):
        for method, entry in sorted(methods.items()):
            view = entry.view_function
            if view.__dict__.get("console_page"):
                continue  # a page of the staff console (HTML), not an operation of the API
            operation = view.__dict__.get("openapi")
            if not isinstance(operation, Operation):
                raise TypeError(f"{method} {path} ({view.__name__}) has no @documented operation")
            paths.setdefault(path, {})[method.lower()] = _operation(_camel(view.__name__), operation, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": "1.0.0",
            "description": "Complaint intake, SLA clocks, staff workflow. Errors are RFC 9457 problem+json.",
        },
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {"staffToken": {"type": "http", "scheme": "bearer"}},
        },
        "paths": paths,
    }


COMPLAINT_ID = Parameter("complaint_id", "path", {"type": "string", "pattern": "^[0-9a-f]{32}$"}, required=True)
SHORT_CODE = Parameter(
    "code", "path", {"type": "string", "pattern": "^[0-9A-Za-z]{22}$"}, required=True, description="An SMS short code"
)
IDEMPOTENCY_KEY = Parameter("Idempotency-Key", "header", {"type": "string", "maxLength": 255})
WEBHOOK_ID = Parameter("webhook-id", "header", {"type": "string", "maxLength": 255})
WEBHOOK_SIGNATURE = (
    Parameter("webhook-timestamp", "header", {"type": "string"}),
    Parameter("webhook-signature", "header", {"type": "string"}),
)
SOURCE = Parameter("source", "path", {"type": "string", "maxLength": 40}, required=True)
VENDOR_SIGNATURES = (
    Parameter("Typeform-Signature", "header", {"type": "string"}),
    Parameter("Tally-Signature", "header", {"type": "string"}),
)
SOURCE_TOKEN = Parameter(
    "token",
    "query",
    {"type": "string"},
    description="the secret of a source with `auth: token` (services that cannot sign)",
)
