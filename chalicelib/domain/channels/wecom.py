"""WeCom (企业微信) group robot: a notice -> a `markdown` message; no signature, the `key` in the URL is the
credential. https://developer.work.weixin.qq.com/document/path/91770 (content at most 4096 bytes, UTF-8; at
most 20 messages a minute per robot). Errors come as HTTP 200 with a nonzero `errcode`
(https://developer.work.weixin.qq.com/document/path/96213)."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.channels.base import (
    JSON_HEADERS,
    Answer,
    Message,
    VendorRequest,
    Verdict,
    by_errcode,
    dumps,
    inert,
)
from chalicelib.domain.notice_texts import NoticeText
from chalicelib.domain.notices import RollUp
from chalicelib.domain.vocabulary import Level, NoticeType

CONTENT_LIMIT = 4096  # bytes
_RETRY = {-1: 5.0, 45009: 60.0, 45033: 5.0}  # busy; over the rate limit; too many concurrent calls


def _color(message: Message) -> str:
    if isinstance(message, RollUp):
        return "warning"
    if message.type == NoticeType.RESOLVED:
        return "info"
    return "comment" if message.level == Level.WARNING else "warning"


def content(message: Message, texts: NoticeText) -> str:
    """The markdown content: a coloured title, the headline, the facts as quotes, the link."""
    lines = [f'### <font color="{_color(message)}">{inert(texts.title)}</font>', inert(texts.headline)]
    lines += [f"> {inert(label)}：{inert(value)}" for label, value in texts.facts]
    if texts.note:
        lines.append(f'<font color="comment">{inert(texts.note)}</font>')
    lines.append(f"[{texts.link_text}]({texts.link})")
    text = "\n".join(lines)
    while len(text.encode("utf-8")) > CONTENT_LIMIT and len(lines) > 3:
        lines.pop(-3)  # drop facts from the end, keeping the title, headline and link
        text = "\n".join(lines)
    return text


def render(message: Message, texts: NoticeText, url: str, secret: str | None, now: datetime) -> VendorRequest:
    payload = {"msgtype": "markdown", "markdown": {"content": content(message, texts)}}
    return VendorRequest(url, dumps(payload), JSON_HEADERS)


def judge(answer: Answer) -> Verdict:
    return by_errcode(answer, _RETRY, throttled_wait=60.0)
