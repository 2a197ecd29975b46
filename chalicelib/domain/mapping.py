"""Reading a form service's payload: a path -> the answer there, as a value a complaint field can take.

Paths are dotted (`data.fields[label=Phone|Phone number|电话]`): a segment names a key (alternatives with `|`, `*`
for any run of characters: `rawRequest.q*_email`) or a list index, and `[path=a|b]` picks the first list element
whose `path` equals one of the alternatives (tried in order), compared ignoring case, full-width/half-width forms
and extra spaces. What a path finds is read as an answer: a Typeform answer or variable by its `type`
(`choice.label`, `choices.labels`, `text`, `email`...), a Tally field by its `value` with option ids turned into
their text through `options[]`, a composite field (Jotform's `{"first", "last"}`) as its parts joined by spaces.
Labels then become values through a table (built in for category, priority and complexity, in Chinese and
English; a source's `values:` adds to it). Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from chalicelib.domain.vocabulary import Category, Complexity, Priority

_SEGMENT = re.compile(r"^(?P<names>[^.\[\]=]+)(?:\[(?P<path>[^=\[\]]+)=(?P<values>[^\[\]]*)\])?$")
_KEY = re.compile(r"^[^.\[\]=|]+$")


class PathError(ValueError):
    """A path that cannot be read: the message says where it goes wrong."""


@lru_cache(maxsize=4096)
def normal(text: str) -> str:
    """The form two labels are compared in: NFKC (full-width -> half-width), case folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass(frozen=True)
class Segment:
    """One step of a path: a key (alternatives, `*` wildcards) or index, and optionally a list selector."""

    names: tuple[str, ...]
    selector: tuple[str, ...] | None = None
    choices: tuple[str, ...] = ()

    def patterns(self) -> tuple[re.Pattern[str] | str, ...]:
        return tuple(
            re.compile(".*".join(re.escape(part) for part in name.split("*")), re.DOTALL) if "*" in name else name
            for name in self.names
        )


def _split(path: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    inside = False
    for char in path:
        if char == "[":
            if inside:
                raise PathError(f"{path!r}: a selector inside a selector")
            inside = True
        elif char == "]":
            if not inside:
                raise PathError(f"{path!r}: a ] without its [")
            inside = False
        if char == "." and not inside:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if inside:
        raise PathError(f"{path!r}: a [ without its ]")
    parts.append("".join(current))
    return parts


@lru_cache(maxsize=512)
def parse_path(path: str) -> tuple[Segment, ...]:
    """A path's segments; `PathError` says what is wrong with it."""
    if not path or path != path.strip():
        raise PathError(f"{path!r}: empty, or spaces around it")
    segments = []
    for part in _split(path):
        match = _SEGMENT.match(part)
        if match is None:
            raise PathError(f"{path!r}: {part!r} is not a key, an index or key[path=value]")
        names = tuple(match.group("names").split("|"))
        if any(not name for name in names):
            raise PathError(f"{path!r}: an empty alternative in {part!r}")
        selector = None
        choices: tuple[str, ...] = ()
        if match.group("path") is not None:
            keys = match.group("path").split(".")
            if not all(_KEY.match(key) for key in keys):
                raise PathError(f"{path!r}: the selector in {part!r} must be a plain dotted path")
            selector = tuple(keys)
            choices = tuple(value.strip() for value in match.group("values").split("|"))
            if not all(choices):
                raise PathError(f"{path!r}: an empty value in the selector of {part!r}")
        segments.append(Segment(names, selector, choices))
    return tuple(segments)


def _key(node: Mapping[str, Any], pattern: re.Pattern[str] | str) -> Any:
    if isinstance(pattern, str):
        return node.get(pattern)
    for key, value in node.items():
        if isinstance(key, str) and pattern.fullmatch(key):
            return value
    return None


def _selected(element: Any, keys: tuple[str, ...]) -> str | None:
    node = element
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    if isinstance(node, bool) or not isinstance(node, str | int | float):
        return None
    return normal(str(node))


def _step(node: Any, segment: Segment) -> Any:
    found = None
    for pattern in segment.patterns():
        if isinstance(node, Mapping):
            found = _key(node, pattern)
        elif isinstance(node, list) and isinstance(pattern, str) and pattern.isascii() and pattern.isdigit():
            found = node[int(pattern)] if int(pattern) < len(node) else None
        if found is not None:
            break
    if segment.selector is None or found is None:
        return found
    if not isinstance(found, list):
        return None
    for choice in segment.choices:
        wanted = normal(choice)
        for element in found:
            if _selected(element, segment.selector) == wanted:
                return element
    return None


def resolve(payload: Any, path: str) -> Any:
    """What is at `path` in `payload` (None when any step finds nothing)."""
    node = payload
    for segment in parse_path(path):
        node = _step(node, segment)
        if node is None:
            return None
    return node


def _option_texts(value: Any, options: list[Any]) -> Any:
    texts = {
        option["id"]: option["text"]
        for option in options
        if isinstance(option, Mapping) and isinstance(option.get("id"), str) and isinstance(option.get("text"), str)
    }
    if isinstance(value, list):
        return [texts.get(item, item) if isinstance(item, str) else item for item in value]
    return texts.get(value, value) if isinstance(value, str) else value


def answer_value(node: Any) -> Any:
    """An answer object read as its value; anything else as it is."""
    if not isinstance(node, Mapping):
        return node
    if "value" in node:
        options = node.get("options")
        return _option_texts(node["value"], options) if isinstance(options, list) else node["value"]
    kind = node.get("type")
    if isinstance(kind, str) and kind in node:
        value = node[kind]
        if kind == "choice" and isinstance(value, Mapping):
            return value.get("label") or value.get("other")
        if kind == "choices" and isinstance(value, Mapping):
            labels = value.get("labels")
            chosen = list(labels) if isinstance(labels, list) else []
            if isinstance(value.get("other"), str) and value["other"]:
                chosen.append(value["other"])
            return chosen
        return value
    if node and all(isinstance(part, str) for part in node.values()):
        joined = " ".join(part.strip() for part in node.values() if part.strip())
        return joined or None
    return node


# The names staff and customers give categories, priorities and complexity, in Chinese and English (each value's
# own code is known too).
BUILT_IN_VALUES: dict[str, dict[StrEnum, tuple[str, ...]]] = {
    "category": {
        Category.SERVICE: ("服务", "服务问题", "客服", "Customer service", "服務"),
        Category.STAFF: ("员工", "员工态度", "人员", "Staff conduct", "Staff attitude", "Employee", "員工"),
        Category.PRODUCT_QUALITY: ("产品质量", "质量", "质量问题", "Product quality", "Quality", "產品質量"),
        Category.SUGGESTION: ("建议", "改进建议", "意见建议", "Improvement suggestion", "建議"),
    },
    "priority": {
        Priority.URGENT: ("紧急", "緊急"),
        Priority.IMPORTANT: ("重要",),
        Priority.GENERAL: ("一般", "普通", "Normal"),
    },
    "complexity": {
        Complexity.GENERAL: ("一般", "简单", "Simple"),
        Complexity.COMPLEX: ("复杂", "複雜"),
    },
}


@lru_cache(maxsize=32)
def _built_in(target: str) -> dict[str, str]:
    return {
        normal(label): value.value
        for value, labels in BUILT_IN_VALUES.get(target, {}).items()
        for label in (value.value, *labels)
    }


def values_table(target: str, extra: Mapping[str, str]) -> dict[str, str]:
    """Normalised label -> value for a complaint field: the built-in names, then the source's own `values:`."""
    return _built_in(target) | {normal(label): value for label, value in extra.items()}


def translate(value: Any, table: Mapping[str, str]) -> Any:
    """A label (or each label of a list) replaced by its value when the table knows it."""
    if isinstance(value, str):
        return table.get(normal(value), value)
    if isinstance(value, list):
        return [translate(item, table) for item in value]
    return value
