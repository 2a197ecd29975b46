"""Domain errors: raised by the domain and services, mapped to HTTP problems by type in `chalicelib.web`."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError


class DomainError(Exception):
    """Base of every error a client can cause or must be told about."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class FieldError:
    """One bad field of a request, by name, with what is wrong with it."""

    field: str
    message: str


def field_errors(error: ValidationError, unknown: str = "is not a field of this request") -> list[FieldError]:
    """A pydantic validation error -> one `FieldError` per problem, in words a client can act on."""
    found = []
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else "body"
        text = str(problem["msg"])
        if problem["type"] == "missing":
            message = "is required"
        elif problem["type"] == "extra_forbidden":
            message = unknown
        elif problem["type"] in ("literal_error", "enum"):
            message = "must be " + text.removeprefix("Input should be ")
        else:
            message = text.removeprefix("Value error, ")
        found.append(FieldError(field, message))
    return found


class InvalidFields(DomainError):
    """The request parsed, but some fields are missing or wrong."""

    def __init__(self, errors: list[FieldError]) -> None:
        names = ", ".join(dict.fromkeys(error.field for error in errors))
        super().__init__(f"These fields are missing or invalid: {names}.")
        self.errors = errors


class MalformedBody(DomainError):
    """The body is not what its content type says (bad JSON, bad encoding, not an object)."""


class DuplicateField(MalformedBody):
    """A form gives one field twice: which value was meant cannot be known, so none is taken."""


class UnsupportedMediaType(DomainError):
    """The body's content type is not one the route accepts."""


class BodyTooLarge(DomainError):
    """The body is larger than the route accepts."""


class Unauthorized(DomainError):
    """The request is not authenticated (a webhook signature that does not verify)."""


class NotFound(DomainError):
    """No such resource."""


class Conflict(DomainError):
    """The request conflicts with the resource's current state (e.g. an idempotency key reused)."""


class Unavailable(DomainError):
    """A dependency failed in a way that a retry may fix; the client should retry later."""

    def __init__(self, detail: str, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Rejected(DomainError):
    """The delivery is refused for what it is, not for its fields (a filled honeypot)."""


class StoredRecordUnreadable(DomainError):
    """A stored record no longer parses (damaged, or written by an older version); the scanner quarantines it."""
