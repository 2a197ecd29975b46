"""Feishu (飞书) / Lark custom bot: a notice -> a `post` (rich text) message, signed when the bot has signature
verification on: `timestamp` (seconds) and `sign` = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b""))
in the JSON body. https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot (100 messages a minute,
5 a second; a body of at most 20 KB; errors as a nonzero `code`, 11232 when throttled).

`post` text elements are plain text: nothing a customer wrote is interpreted as markup."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain.channels.base import JSON_HEADERS, Answer, VendorRequest, Verdict, by_status, dumps, json_body
from chalicelib.domain.notice_texts import NoticeText, one_line

if TYPE_CHECKING:
    from chalicelib.domain.channels.base import Message

_RETRY = {11232: 60.0}


def sign(timestamp: int, secret: str) -> str:
    """The `sign` field, as Feishu's own sample computes it (the string to sign is the HMAC key)."""
    string_to_sign = f"{timestamp}\n{secret}"
    digest = hmac.new(string_to_sign.encode("utf-8"), digestmod=hashlib.sha256).digest()
    return base64.b64encode(digest).decode("utf-8")


def post(texts: NoticeText) -> dict[str, Any]:
    """The `post` content in the texts' language."""
    rows: list[list[dict[str, str]]] = [[{"tag": "text", "text": one_line(texts.headline)}]]
    rows += [[{"tag": "text", "text": f"{label}：{one_line(value)}"}] for label, value in texts.facts]
    if texts.note:
        rows.append([{"tag": "text", "text": texts.note}])
    rows.append([{"tag": "a", "text": texts.link_text, "href": texts.link}])
    locale = "zh_cn" if texts.language == "zh-CN" else "en_us"
    return {"post": {locale: {"title": texts.subject, "content": rows}}}


def render(message: Message, texts: NoticeText, url: str, secret: str | None, now: datetime) -> VendorRequest:
    payload: dict[str, Any] = {}
    if secret:
        timestamp = int(now.timestamp())
        payload.update({"timestamp": str(timestamp), "sign": sign(timestamp, secret)})
    payload.update({"msg_type": "post", "content": post(texts)})
    return VendorRequest(url, dumps(payload), JSON_HEADERS)


def judge(answer: Answer) -> Verdict:
    body = json_body(answer)
    if body is None:
        return by_status(answer, throttled_wait=60.0)
    code = body.get("code", body.get("StatusCode"))
    if answer.status == 200 and code == 0:
        return Verdict(True, "delivered")
    if code in _RETRY:
        return Verdict(False, f"code {code}", _RETRY[code])
    if answer.status == 429 or answer.status >= 500:
        return by_status(answer, throttled_wait=60.0)
    return Verdict(False, f"code {code}", permanent=True)
