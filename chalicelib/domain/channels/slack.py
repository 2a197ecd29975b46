"""Slack incoming webhook: a notice -> Block Kit blocks (header, section, link button) with a `text` fallback;
no signature, the URL is the credential. https://api.slack.com/messaging/webhooks ;
https://api.slack.com/reference/block-kit/blocks ; mrkdwn escaping (&, <, >):
https://api.slack.com/reference/surfaces/formatting#escaping . Success is HTTP 200 with the body `ok`; over
the rate limit (about one message a second) HTTP 429 with Retry-After."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.channels.base import JSON_HEADERS, Answer, Message, VendorRequest, Verdict, by_status, dumps
from chalicelib.domain.notice_texts import NoticeText, cut, one_line

HEADER_LIMIT = 150
SECTION_LIMIT = 3000
_FORMATTING = str.maketrans({"*": "＊", "_": "＿", "~": "～", "`": "｀"})


def escape(text: str) -> str:
    """Text for mrkdwn: &, < and > escaped as Slack documents, formatting characters made inert."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return one_line(escaped.translate(_FORMATTING))


def blocks(texts: NoticeText) -> list[dict[str, Any]]:
    facts = "\n".join(f"*{escape(label)}*: {escape(value)}" for label, value in texts.facts)
    found: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": cut(texts.title, HEADER_LIMIT), "emoji": False}},
        {"type": "section", "text": {"type": "mrkdwn", "text": cut(escape(texts.headline), SECTION_LIMIT)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": cut(facts, SECTION_LIMIT)}},
    ]
    if texts.note:
        found.append({"type": "context", "elements": [{"type": "mrkdwn", "text": escape(texts.note)}]})
    button = {"type": "button", "text": {"type": "plain_text", "text": texts.link_text}, "url": texts.link}
    found.append({"type": "actions", "elements": [button]})
    return found


def render(message: Message, texts: NoticeText, url: str, secret: str | None, now: datetime) -> VendorRequest:
    payload = {"text": texts.subject, "blocks": blocks(texts)}
    return VendorRequest(url, dumps(payload), JSON_HEADERS)


def judge(answer: Answer) -> Verdict:
    if answer.status == 200:
        return Verdict(True, "delivered") if answer.body.strip() == b"ok" else Verdict(False, "not ok", permanent=True)
    return by_status(answer, throttled_wait=5.0)
