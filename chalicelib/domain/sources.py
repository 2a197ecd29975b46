"""Intake sources: the sources file -> per source, how it authenticates (a Standard Webhooks signature, or a
public browser form with a CORS allow-list and a honeypot field) and how its payload maps onto a complaint
(dotted paths). Pure: the caller reads the file and hands over its text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.domain.errors import DomainError, Rejected  # noqa: F401 - re-exported
from chalicelib.domain.intake import Submission
from chalicelib.domain.yaml_files import load_yaml_model

SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
TARGET_FIELDS = tuple(Submission.model_fields)
_SEGMENT = re.compile(r"^(?P<name>[^.\[\]]+)(?:\[(?P<path>[^=\]]+)=(?P<value>[^\]]*)\])?$")


class SourcesError(ValueError):
    """The sources file is invalid: the message names the file, the place inside it and what is wrong."""


class SourceSpec(BaseModel):
    """One intake source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["public_form", "signed"]
    cors_origins: list[str] = Field(default_factory=list)
    honeypot: str | None = None
    mapping: dict[str, str] | None = None
    defaults: dict[str, str] = Field(default_factory=dict)

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if not re.fullmatch(r"https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?", origin):
                raise ValueError(f"{origin!r} is not an origin like https://www.example.com")
        return value

    @field_validator("mapping", "defaults")
    @classmethod
    def _targets(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        for target, path in (value or {}).items():
            if target not in TARGET_FIELDS:
                raise ValueError(f"{target!r} is not a complaint field ({', '.join(TARGET_FIELDS)})")
            if not path:
                raise ValueError(f"{target}: empty")
        return value


class SourcesFile(BaseModel):
    """The whole sources file: `web` answers POST /complaints, the others POST /webhooks/{source}."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: dict[str, SourceSpec]

    @field_validator("sources")
    @classmethod
    def _names(cls, value: dict[str, SourceSpec]) -> dict[str, SourceSpec]:
        for name, spec in value.items():
            if not SOURCE_NAME.match(name):
                raise ValueError(f"{name!r} is not a source name (lower-case letters, digits, - and _)")
            if spec.kind == "signed" and (spec.cors_origins or spec.honeypot):
                raise ValueError(f"{name}: a signed source has no cors_origins or honeypot (servers post to it)")
        if "web" not in value:
            raise ValueError("a `web` source (the public form behind POST /complaints) is required")
        return value


def parse_sources(text: str, source: str) -> SourcesFile:
    """Parse and validate a sources file's text; `source` names the file in error messages."""
    return load_yaml_model(text, source, SourcesFile, SourcesError)


def _step(node: Any, segment: str) -> Any:
    match = _SEGMENT.match(segment)
    if match is None:
        return None
    name = match.group("name")
    if isinstance(node, list):
        node = node[int(name)] if name.isdigit() and int(name) < len(node) else None
    elif isinstance(node, Mapping):
        node = node.get(name)
    else:
        return None
    selector = match.group("path")
    if selector is None:
        return node
    if not isinstance(node, list):
        return None
    for element in node:
        if str(resolve(element, selector)) == match.group("value"):
            return element
    return None


def resolve(payload: Any, path: str) -> Any:
    """The value at a dotted path: `a.b.0.c`, or `answers[field.ref=email].email` to pick a list element."""
    node = payload
    for segment in re.findall(r"(?:[^.\[]+(?:\[[^\]]*\])?)", path):
        node = _step(node, segment)
        if node is None:
            return None
    return node


def map_payload(payload: Mapping[str, Any], spec: SourceSpec) -> dict[str, Any]:
    """A source's payload -> complaint fields: mapped paths (missing ones left out), then defaults."""
    if spec.mapping is None:
        mapped = dict(payload)
    else:
        mapped = {}
        for target, path in spec.mapping.items():
            value = resolve(payload, path)
            if value is not None:
                mapped[target] = value
    for target, value in spec.defaults.items():
        mapped.setdefault(target, value)
    return mapped


def check_honeypot(payload: Mapping[str, Any], spec: SourceSpec) -> None:
    """A public form's hidden field that people leave empty; filled, the submission is refused."""
    if spec.honeypot is not None and payload.get(spec.honeypot) not in (None, ""):
        raise Rejected("This submission looks automated and was not accepted.")
