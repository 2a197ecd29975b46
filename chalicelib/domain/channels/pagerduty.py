"""PagerDuty Events API v2: one incident per complaint clock cycle (`dedup_key` = complaint.clock.cycle): a
breach notice -> `trigger` (severity warning / error / critical for warning / minor / major and escalation),
a resolved notice -> `resolve`. The integration's routing key is the credential (the channel's secret).

What the on-call person reads is in words, in the channel's language (the texts' language): `summary` the
headline, `component` the clock (首次响应), `group` the category (服务), `class` the level (轻微违约), `client` the
product's name, `custom_details` the facts. Codes stay where machines read them: the `dedup_key` and the
`notice_id` in `custom_details` (the relay's and the logs' key of the delivery).

https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ (summary at most 1024 characters, dedup_key at
most 255 (ours: a 32-character complaint id, the clock, the cycle); component, group and class have no documented
limit; 202 accepted; 400 not retried; 429 and 5xx retried "after some time"); the whole event at most 512 KB
(https://developer.pagerduty.com/docs/events-api-v2/overview/ ; ours is a few KB: the facts carry the subject cut
to 80 characters); about 120 events a minute per key: https://developer.pagerduty.com/docs/events-api-v2/rate-limits/."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from chalicelib.domain.channels.base import JSON_HEADERS, Answer, VendorRequest, Verdict, by_status, dumps
from chalicelib.domain.notice_texts import NoticeText, clock_words, cut, one_line
from chalicelib.domain.notices import Notice
from chalicelib.domain.vocabulary import Category, Level, NoticeType
from chalicelib.domain.words import Language, word

ENDPOINT = "https://events.pagerduty.com/v2/enqueue"
SUMMARY_LIMIT = 1024
SEVERITY = {Level.WARNING: "warning", Level.MINOR: "error", Level.MAJOR: "critical", Level.ESCALATION: "critical"}
SOURCE = "complaint-sla-monitor"  # the event's source when the console link has no host name (a machine's name)
CLIENT: dict[Language, str] = {"zh-CN": "投诉时限监控", "en": "Complaint SLA monitor"}  # what PagerDuty shows


def event(notice: Notice, texts: NoticeText, routing_key: str) -> dict[str, Any]:
    """The Events API v2 event of a notice."""
    if notice.type == NoticeType.RESOLVED:
        return {"routing_key": routing_key, "dedup_key": notice.incident, "event_action": "resolve"}
    language = texts.language
    details: dict[str, Any] = dict(texts.facts)
    details["notice_id"] = notice.notice_id
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": notice.incident,
        "payload": {
            "summary": cut(one_line(texts.headline), SUMMARY_LIMIT),
            "source": urlsplit(notice.link).hostname or SOURCE,
            "severity": SEVERITY[notice.level],
            "timestamp": notice.detected_at,
            "component": clock_words(notice, language),
            "group": word(Category(notice.category), language),
            "class": word(notice.level, language),
            "custom_details": details,
        },
        "links": [{"href": notice.link, "text": texts.link_text}],
        "client": CLIENT[language],
        "client_url": notice.link,
    }


def render(notice: Notice, texts: NoticeText, url: str, secret: str | None, now: datetime) -> VendorRequest:
    if not secret:
        raise ValueError("a pagerduty channel needs its routing key (secret_env)")
    return VendorRequest(url, dumps(event(notice, texts, secret)), JSON_HEADERS)


def judge(answer: Answer) -> Verdict:
    return by_status(answer, throttled_wait=120.0)  # "preferably with a backoff of a few minutes"
