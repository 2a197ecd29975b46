"""What the server-rendered pages (the staff console, the customer's status page) share: a Jinja2 environment per
template folder (autoescaping on, loaded once per container, imported on first use: the JSON API never pays for
it), a posted form read by the API's one form parser, and the wrapper of a page route (`page_route`): a domain
error becomes a refusal with the status the JSON API gives it, which each page says in its own words."""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import urlsplit

from chalice.app import Request, Response

from chalicelib.domain.errors import DomainError
from chalicelib.web import INTERNAL, parse_page_form, problem_for

if TYPE_CHECKING:
    from chalicelib.bootstrap import Services
    from chalicelib.settings import Settings

Visit = TypeVar("Visit")
Words = TypeVar("Words")


@dataclass
class PageVisit(Generic[Words]):
    """One request to a page: the request, the services, the page's words in the reader's language, the path of
    PUBLIC_BASE_URL its links go under (`base_path`) and the moment it is answered."""

    request: Request
    running: Services
    texts: Words
    prefix: str
    now: datetime


def base_path(settings: Settings) -> str:
    """The path of PUBLIC_BASE_URL (API Gateway's stage, or none behind a custom domain): pages' links and cookies
    go under it."""
    return urlsplit(settings.public_base_url).path.rstrip("/")


@dataclass(frozen=True)
class Refusal:
    """A page's refusal: the status and headers the JSON API's problem has for the same error, why (a key of
    `web.REASONS`, which the page words) and the error itself (for pages that name the fields to correct)."""

    status: int
    reason: str
    headers: Mapping[str, str] = field(default_factory=dict)
    error: DomainError | None = None


def refusal(error: DomainError) -> Refusal:
    """The refusal a domain error becomes on a page."""
    problem = problem_for(error)
    return Refusal(problem.status, problem.reason, problem.headers, error)


def page_route(
    start: Callable[..., Visit],
    refuse: Callable[[Visit, Refusal], Response],
    headers: Callable[[], Mapping[str, str]],
    log: logging.Logger,
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """The wrapper of a page's routes: `start(**url_params)` is the request's visit, given to the view with the
    URL's parameters; a domain error becomes `refuse(visit, refusal(error))`, any other failure a bare 500 refusal
    (logged with its frames, never the request or the message); `headers()` on every answer."""

    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(view)
        def wrapped(**params: str) -> Response:
            visit = start(**params)
            try:
                response = view(visit, **params)
            except DomainError as error:
                response = refuse(visit, refusal(error))
            except Exception as exc:  # noqa: BLE001 - the last line of defence: a bare 500 page
                frames = "".join(traceback.format_tb(exc.__traceback__))
                log.error("unhandled %s in page %s\n%s", type(exc).__name__, view.__name__, frames)
                response = refuse(visit, Refusal(500, INTERNAL))
            response.headers.update(headers())
            return response

        return wrapped

    return decorate


SHARED_TEMPLATES = Path(__file__).parent / "templates"
"""The templates every page's own extend (`page.html`: the HTML document around a page)."""


@functools.cache
def templates(folder: Path) -> Any:
    """The Jinja2 environment of the templates in `folder` (and the shared ones, which a template of the same name
    in `folder` would hide): every value a page shows is escaped."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(folder), str(SHARED_TEMPLATES)]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def posted_form(request: Request, limit: int, max_fields: int) -> dict[str, str]:
    """A posted form's fields, read as the JSON API reads a form (`web.parse_page_form`): refused when it is not a
    url-encoded form in UTF-8, is over `limit` bytes, has more than `max_fields` fields, gives a field twice or
    cannot be read."""
    raw = request.raw_body or b""
    body = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    return parse_page_form(request.headers.get("content-type"), body, limit, max_fields)
