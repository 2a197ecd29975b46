"""Templates and static files: Jinja2 with autoescaping on (every value a page shows is escaped), loaded once per
container; the stylesheet and the script served by the app itself, each under a name that carries its content's
hash so that a browser may keep it for a year."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


def environment() -> Any:
    """The console's Jinja2 environment."""
    from chalicelib.pages import templates

    return templates(TEMPLATES)


def render(template: str, **context: Any) -> str:
    """A page: `template` filled in with `context` (autoescaped)."""
    text: str = environment().get_template(template).render(**context)
    return text


@dataclass(frozen=True)
class Asset:
    body: str
    content_type: str
    version: str


@functools.cache
def assets() -> dict[str, Asset]:
    """Every static file, by name, with the hash that versions its URL."""
    found = {}
    for path in sorted(STATIC.iterdir()):
        if path.suffix in STATIC_TYPES:
            body = path.read_text(encoding="utf-8")
            version = hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]
            found[path.name] = Asset(body, STATIC_TYPES[path.suffix], version)
    return found
