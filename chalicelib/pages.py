"""What the server-rendered pages (the staff console, the customer's status page) share: a Jinja2 environment per
template folder (autoescaping on, loaded once per container, imported on first use: the JSON API never pays for
it), and a posted form read into its fields."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from chalice.app import Request

from chalicelib.domain.errors import BodyTooLarge, MalformedBody, UnsupportedMediaType

FORM_TYPE = "application/x-www-form-urlencoded"


@functools.cache
def templates(folder: Path) -> Any:
    """The Jinja2 environment of the templates in `folder`: every value a page shows is escaped."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def posted_form(request: Request, limit: int, max_fields: int) -> dict[str, str]:
    """A posted form's fields (the first value of each): refused when it is not a url-encoded form, is over `limit`
    bytes, has more than `max_fields` fields or cannot be read."""
    kind = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if kind != FORM_TYPE:
        raise UnsupportedMediaType(f"Send the form as {FORM_TYPE}.")
    raw = request.raw_body or b""
    body = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    if len(body) > limit:
        raise BodyTooLarge(f"The form is {len(body)} bytes; the limit is {limit} bytes.")
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=max_fields)
    except (UnicodeDecodeError, ValueError):
        raise MalformedBody("The form could not be read.") from None
    return {name: values[0] for name, values in parsed.items()}
