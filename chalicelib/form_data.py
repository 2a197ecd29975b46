"""multipart/form-data bodies (what Jotform posts) -> a mapping of text fields, strictly, with `python-multipart`.

Refused as `MalformedBody` (400): no boundary, a body the parser rejects or that ends before its closing
boundary, a part without a form-data name, a field given twice, more than `max_fields` parts, text that is not
UTF-8. File parts (a `filename`) are counted but not kept: a complaint takes text, and form services link files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from chalicelib.domain.errors import MalformedBody, UnsupportedMediaType

MAX_BOUNDARY = 70  # RFC 2046 section 5.1.1


@dataclass
class _Part:
    headers: dict[str, bytes] = field(default_factory=dict)
    data: list[bytes] = field(default_factory=list)
    header_name: list[bytes] = field(default_factory=list)
    header_value: list[bytes] = field(default_factory=list)


@dataclass
class _Collector:
    max_fields: int
    fields: dict[str, str] = field(default_factory=dict)
    parts: int = 0
    ended: bool = False
    current: _Part = field(default_factory=_Part)

    def begin(self) -> None:
        self.parts += 1
        if self.parts > self.max_fields:
            raise MalformedBody(f"The multipart body has more than {self.max_fields} parts.")
        self.current = _Part()

    def header_name(self, data: bytes, start: int, end: int) -> None:
        self.current.header_name.append(data[start:end])

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self.current.header_value.append(data[start:end])

    def header_end(self) -> None:
        name = b"".join(self.current.header_name).strip().lower().decode("latin-1")
        self.current.headers[name] = b"".join(self.current.header_value).strip()
        self.current.header_name, self.current.header_value = [], []

    def data(self, data: bytes, start: int, end: int) -> None:
        self.current.data.append(data[start:end])

    def end_part(self) -> None:
        disposition, options = parse_options_header(
            self.current.headers.get("content-disposition", b"").decode("latin-1")
        )
        raw_name = options.get(b"name")
        if disposition != b"form-data" or raw_name is None:
            raise MalformedBody(f"Part {self.parts} of the multipart body has no Content-Disposition: form-data name.")
        name = _text(raw_name, f"the name of part {self.parts}")
        if b"filename" in options:
            return
        _, type_options = parse_options_header(self.current.headers.get("content-type", b"").decode("latin-1"))
        charset = type_options.get(b"charset", b"utf-8").decode("latin-1").strip().lower()
        if charset not in ("utf-8", "utf8"):
            raise UnsupportedMediaType(f"Part {name[:60]!r} has charset {charset[:40]!r}: send UTF-8.")
        if name in self.fields:
            raise MalformedBody(f"The multipart body has the field {name[:60]!r} twice.")
        self.fields[name] = _text(b"".join(self.current.data), f"the field {name[:60]!r}")

    def end(self) -> None:
        self.ended = True


def _text(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedBody(f"In the multipart body, {what} is not valid UTF-8 (byte {exc.start}).") from exc


def parse_multipart(body: bytes, boundary: str | None, max_fields: int) -> dict[str, str]:
    """The text fields of a multipart/form-data body."""
    if not boundary:
        raise MalformedBody("multipart/form-data needs a boundary parameter in its Content-Type.")
    if len(boundary) > MAX_BOUNDARY or not boundary.isascii():
        raise MalformedBody(f"The multipart boundary must be 1-{MAX_BOUNDARY} ASCII characters.")
    collector = _Collector(max_fields)
    parser = MultipartParser(
        boundary.encode("ascii"),
        {
            "on_part_begin": collector.begin,
            "on_header_field": collector.header_name,
            "on_header_value": collector.header_value,
            "on_header_end": collector.header_end,
            "on_part_data": collector.data,
            "on_part_end": collector.end_part,
            "on_end": collector.end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except FormParserError as exc:
        offset = getattr(exc, "offset", -1)
        where = f" (near byte {offset})" if isinstance(offset, int) and offset >= 0 else ""
        raise MalformedBody(f"The multipart body is malformed{where}.") from exc
    if not collector.ended:
        raise MalformedBody("The multipart body ends before its closing boundary.")
    return collector.fields
