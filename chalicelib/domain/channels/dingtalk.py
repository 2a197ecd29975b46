"""DingTalk (钉钉) custom robot: a notice -> a `markdown` message, signed when the robot has 加签 on:
`timestamp` (milliseconds) and `sign` = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")))
added to the URL (whose access_token is the credential).
https://open.dingtalk.com/document/robots/customize-robot-security-settings ;
https://open.dingtalk.com/document/orgapp/custom-robots-send-group-messages (20 messages a minute per robot,
then throttled for 10 minutes; errors come as HTTP 200 with a nonzero `errcode`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from urllib.parse import quote_plus

from chalicelib.domain.channels.base import (
    JSON_HEADERS,
    Answer,
    Message,
    VendorRequest,
    Verdict,
    by_errcode,
    dumps,
    inert,
    json_body,
)
from chalicelib.domain.notice_texts import NoticeText

THROTTLED_FOR = 600.0  # "如果超过20条，会限流10分钟"
_RETRY = {-1: 5.0, 410100: THROTTLED_FOR, 130101: THROTTLED_FOR}


def sign(timestamp_ms: int, secret: str) -> str:
    """The `sign` parameter, URL-encoded, as DingTalk's own Python example computes it."""
    string_to_sign = f"{timestamp_ms}\n{secret}"
    digest = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), digestmod=hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def text(texts: NoticeText) -> str:
    """The markdown text: a title, the headline, the facts as a list, the link."""
    lines = [f"#### {inert(texts.title)}", "", inert(texts.headline), ""]
    lines += [f"- {inert(label)}：{inert(value)}" for label, value in texts.facts]
    if texts.note:
        lines += ["", f"> {inert(texts.note)}"]
    lines += ["", f"[{texts.link_text}]({texts.link})"]
    return "\n".join(lines)


def render(message: Message, texts: NoticeText, url: str, secret: str | None, now: datetime) -> VendorRequest:
    payload = {"msgtype": "markdown", "markdown": {"title": inert(texts.subject), "text": text(texts)}}
    if secret:
        timestamp = round(now.timestamp() * 1000)
        url = f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign(timestamp, secret)}"
    return VendorRequest(url, dumps(payload), JSON_HEADERS)


def judge(answer: Answer) -> Verdict:
    body = json_body(answer) or {}
    if answer.status == 200 and body.get("errcode") == 310000 and "timestamp" in str(body.get("errmsg", "")).lower():
        return Verdict(False, "errcode 310000 (timestamp)", 5.0)  # clock skew: signed afresh on the retry
    return by_errcode(answer, _RETRY, throttled_wait=THROTTLED_FOR)
