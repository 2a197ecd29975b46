"""What every channel kind shares: the request a channel makes of a notice, the verdict on the vendor's answer,
the generic HTTP reading of that answer, and text made safe for markup that customers' words must not drive."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.notices import Notice, RollUp

Message = Notice | RollUp
"""What the relay delivers: a notice, or a storm's roll-up (the notices of one audience's window beyond its
limit, in one message)."""


def message_id(message: Message) -> str:
    """The message's stable id: the notice id, or the roll-up id."""
    return message.notice_id if isinstance(message, Notice) else message.rollup_id


@dataclass(frozen=True)
class VendorRequest:
    """One HTTP POST to a vendor: the URL (which may carry a key: never log it), the body and its headers."""

    url: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """The vendor's HTTP answer (the body cut to what a verdict needs)."""

    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Verdict:
    """Delivered, or not: then `retry_after` is how long the vendor asks us to wait (None: our own backoff),
    `permanent` says retrying will not help (the message still goes to the dead-letter queue, not away)."""

    delivered: bool
    reason: str = ""
    retry_after: float | None = None
    permanent: bool = False


DELIVERED = Verdict(True, "delivered")


def delivery_key(message: Message) -> str:
    """What a channel gets once: one message per (complaint, clock, cycle, level) or per resolved cycle,
    however many audiences the level went to; a roll-up once (one per audience and window)."""
    if isinstance(message, RollUp):
        return message.rollup_id
    return f"{message.incident}.{message.key_level}"


def resolved_key(notice: Notice) -> str:
    """The delivery key of the resolved notice of the notice's cycle."""
    return f"{notice.incident}.resolved"


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The Retry-After header in seconds (the delta-seconds form), if any."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(0.0, float(value.strip()))
            except ValueError:
                return None
    return None


def by_status(answer: Answer, throttled_wait: float | None = None) -> Verdict:
    """The plain HTTP reading: 2xx delivered; 429 and 5xx retried (after Retry-After, if given); 408 retried;
    any other 4xx permanent."""
    status = answer.status
    if 200 <= status < 300:
        return DELIVERED
    if status == 429:
        return Verdict(False, "HTTP 429", retry_after(answer.headers) or throttled_wait)
    if status >= 500 or status == 408:
        return Verdict(False, f"HTTP {status}", retry_after(answer.headers))
    return Verdict(False, f"HTTP {status}", permanent=True)


def by_errcode(answer: Answer, retry: Mapping[int, float], throttled_wait: float) -> Verdict:
    """The chat robots' reading (WeCom, DingTalk): not HTTP 200 is read by its status (`by_status`); a 200 is
    delivered when its `errcode` is 0, retried after `retry[errcode]` seconds for the codes named there, and
    permanent for any other."""
    if answer.status != 200:
        return by_status(answer, throttled_wait=throttled_wait)
    code: Any = (json_body(answer) or {}).get("errcode")
    if code == 0:
        return DELIVERED
    if code in retry:
        return Verdict(False, f"errcode {code}", retry[code])
    return Verdict(False, f"errcode {code}", permanent=True)


def json_body(answer: Answer) -> dict[str, Any] | None:
    """The answer's body as a JSON object, or None."""
    try:
        parsed = json.loads(answer.body)
    except (ValueError, UnicodeDecodeError):
        return None
    return parsed if isinstance(parsed, dict) else None


def dumps(payload: Mapping[str, Any]) -> bytes:
    """A JSON body, UTF-8, Chinese kept as is."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}

# Markup characters in what customers and staff wrote become their full-width look-alikes, so a subject can
# never open a link, a heading, a quote, a mention (`<@userid>`, `@all`, `<!channel>`) or a font tag.
_MARKUP = str.maketrans(
    {
        "<": "＜",
        ">": "＞",
        "[": "［",
        "]": "］",
        "(": "（",
        ")": "）",
        "*": "＊",
        "_": "＿",
        "~": "～",
        "`": "｀",
        "#": "＃",
        "@": "＠",
        "|": "｜",
        "\\": "＼",
        "!": "！",
        "&": "＆",
    }
)


def inert(text: str) -> str:
    """`text` with every markup character replaced by its full-width look-alike, on one line."""
    return " ".join(text.translate(_MARKUP).split())
