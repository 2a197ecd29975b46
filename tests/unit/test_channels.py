"""Channel kinds, pure: signatures against vectors computed from each vendor's published algorithm, markup that a
customer's subject cannot drive, answers read the vendor's way, and the channels file's validation."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from standardwebhooks.webhooks import Webhook

from chalicelib.domain.channels import dingtalk, feishu, pagerduty, slack, webhook, wecom
from chalicelib.domain.channels.base import Answer, delivery_key, inert, resolved_key
from chalicelib.domain.channels.config import ChannelsError, parse_channels, resolve_channels
from chalicelib.domain.notice_texts import render, rollup_texts
from chalicelib.domain.notices import RollUp, rollup, window_of
from chalicelib.domain.vocabulary import Audience, Level
from chalicelib.domain.words import Language
from chalicelib.settings import Settings, SettingsError
from tests.conftest import settings_for_tests
from tests.unit.test_notice_texts import CODES, ID, notice

NOW = datetime(2026, 11, 22, 4, 46, 9, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")
BOARD = "https://sla.example.com/console"
HOSTILE = "<@all> [点我](https://evil.example) <!channel> **粗体** `code` # 标题 > 引用 @13800138000"


# ---- signatures ---------------------------------------------------------------------------------------------------


def test_dingtalk_sign_matches_the_vector_of_its_documented_algorithm() -> None:
    """https://open.dingtalk.com/document/robots/customize-robot-security-settings: HmacSHA256 keyed by the secret
    over timestamp + "\\n" + secret, base64, then URL-encoded (the official sample uses quote_plus)."""
    assert dingtalk.sign(1700000000000, "SECtest") == "aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g%3D"


def test_feishu_sign_matches_the_vector_of_its_documented_algorithm() -> None:
    """https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot: HmacSHA256 keyed by timestamp + "\\n" +
    secret over an empty message, base64, not URL-encoded (signing the DingTalk way fails with 19021)."""
    assert feishu.sign(1700000000, "test-secret") == "mbm4Y4oluIPQ00qlBIhX8vAZ0EKv3nw0LuTb91jPL84="


def test_the_webhook_signature_matches_the_standard_webhooks_library_vector() -> None:
    """The vector of standard-webhooks' own tests (libraries/python/tests/test_webhooks.py::test_sign_function)."""
    moment = datetime.fromtimestamp(1614265330, UTC)
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    signed = webhook.signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", moment, '{"test": 2432232314}')
    assert signed == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_webhook_is_signed_for_the_instant_whatever_the_zone_of_now() -> None:
    """Webhook.sign replaces the zone instead of converting: a +08:00 `now` must still sign the true instant."""
    secret = "whsec_" + base64.b64encode(b"a-signing-secret-of-32-bytes!!!!").decode()
    shanghai = NOW.astimezone(timezone(timedelta(hours=8)))
    request = webhook.render(notice(), render(notice(), "zh-CN"), "https://hooks.example.com/x", secret, shanghai)
    assert request.headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    assert request.headers["webhook-id"] == notice().notice_id
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("standardwebhooks.webhooks.datetime", _FrozenDatetime)
        parsed = Webhook(secret).verify(request.body, dict(request.headers))
    assert parsed == json.loads(request.body)


class _FrozenDatetime(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return NOW if tz is None else NOW.astimezone(tz)


def test_dingtalk_and_feishu_send_unsigned_when_their_robot_has_no_secret() -> None:
    texts = render(notice(), "zh-CN")
    assert dingtalk.render(notice(), texts, "https://oapi.dingtalk.com/robot/send?access_token=t", None, NOW).url == (
        "https://oapi.dingtalk.com/robot/send?access_token=t"
    )
    assert "sign" not in json.loads(feishu.render(notice(), texts, "https://open.feishu.cn/h", None, NOW).body)
    signed = dingtalk.render(notice(), texts, "https://oapi.dingtalk.com/robot/send?access_token=t", "SECx", NOW)
    assert signed.url.startswith("https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1795322769000&sign=")


# ---- markup a subject cannot drive ---------------------------------------------------------------------------------


@pytest.mark.parametrize("module", [wecom, dingtalk])
def test_a_hostile_subject_cannot_mention_link_or_format_in_markdown(module: Any) -> None:
    hostile = notice(subject=HOSTILE, assignee="<@all>")
    body = json.loads(module.render(hostile, render(hostile, "zh-CN"), "https://x.example/y", None, NOW).body)
    text = json.dumps(body, ensure_ascii=False)
    for dangerous in ("<@all>", "](https://evil", "<!channel>", "**粗体**", "`code`", "@138"):
        assert dangerous not in text
    assert "＜＠all＞" in text


def test_a_hostile_subject_is_escaped_for_slack_mrkdwn() -> None:
    """https://api.slack.com/reference/surfaces/formatting#escaping: &, < and > as &amp; &lt; &gt;."""
    hostile = notice(subject=HOSTILE + " & more")
    body = json.loads(slack.render(hostile, render(hostile, "zh-CN"), "https://hooks.slack.com/x", None, NOW).body)
    sections = "\n".join(b["text"]["text"] for b in body["blocks"] if b["type"] == "section")
    assert "&lt;!channel&gt;" in sections
    assert "&amp; more" in sections
    assert "<!channel>" not in sections
    assert "**" not in sections


def test_feishu_posts_plain_text_elements_only() -> None:
    hostile = notice(subject=HOSTILE)
    body = json.loads(feishu.render(hostile, render(hostile, "zh-CN"), "https://open.feishu.cn/h", None, NOW).body)
    elements = [element for row in body["content"]["post"]["zh_cn"]["content"] for element in row]
    assert {element["tag"] for element in elements} == {"text", "a"}
    assert [e["href"] for e in elements if e["tag"] == "a"] == [hostile.link]


def test_inert_keeps_words_and_replaces_markup() -> None:
    assert inert("客服 <b>没</b> [x](y)\n#1") == "客服 ＜b＞没＜/b＞ ［x］（y） ＃1"


def test_a_wecom_message_never_exceeds_4096_bytes() -> None:
    """https://developer.work.weixin.qq.com/document/path/91770: markdown content at most 4096 bytes (UTF-8)."""
    crowded = notice(subject="很" * 80, assignee="负" * 100)
    texts = render(crowded, "zh-CN")
    long_facts = texts.__class__(**{**texts.__dict__, "facts": texts.facts * 40})
    content = json.loads(wecom.render(crowded, long_facts, "https://x.example/y", None, NOW).body)["markdown"][
        "content"
    ]
    assert len(content.encode("utf-8")) <= 4096
    assert content.endswith(f"[查看投诉]({crowded.link})")


# ---- PagerDuty ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "severity"),
    [("warning", "warning"), ("minor", "error"), ("major", "critical"), ("escalation", "critical")],
)
def test_pagerduty_severity_follows_the_level(level: str, severity: str) -> None:
    event = pagerduty.event(notice(level=level), render(notice(level=level), "zh-CN"), "k" * 32)
    assert event["payload"]["severity"] == severity
    assert event["dedup_key"] == f"{ID}.first_response.1"


def test_every_level_and_the_resolve_of_a_cycle_share_one_dedup_key() -> None:
    keys = {pagerduty.event(notice(level=level), render(notice(), "zh-CN"), "k")["dedup_key"] for level in
            ("warning", "minor", "major", "escalation")}  # fmt: skip
    resolved = notice(type="resolved", outcome="met")
    assert keys == {pagerduty.event(resolved, render(resolved, "zh-CN"), "k")["dedup_key"]}
    assert pagerduty.event(notice(cycle=2), render(notice(), "zh-CN"), "k")["dedup_key"] == f"{ID}.first_response.2"


@pytest.mark.parametrize(
    ("language", "component", "group", "kind", "client"),
    [
        ("zh-CN", "首次响应", "服务", "轻微违约", "投诉时限监控"),
        ("en", "First response", "Service", "Minor breach", "Complaint SLA monitor"),
    ],
)
def test_pagerduty_shows_the_clock_category_and_level_in_words_of_the_channels_language(
    language: Language, component: str, group: str, kind: str, client: str
) -> None:
    shown = pagerduty.event(notice(), render(notice(), language), "k" * 32)
    payload = shown["payload"]
    assert (payload["component"], payload["group"], payload["class"], shown["client"]) == (
        component,
        group,
        kind,
        client,
    )
    details = {label: value for label, value in payload["custom_details"].items() if label != "notice_id"}
    for field in ("component", "group", "class"):
        for code in CODES:
            assert not re.search(rf"(?<![A-Za-z]){code}(?![A-Za-z])", payload[field]), (code, field)
    # the English headline says "is a minor breach" in words: only the codes no sentence spells are codes there
    sentences = [payload["summary"], *details, *details.values()]
    for code in CODES if language == "zh-CN" else [code for code in CODES if "_" in code]:
        for text in sentences:
            assert not re.search(rf"(?<![A-Za-z]){code}(?![A-Za-z])", text), (code, text)
    assert shown["dedup_key"] == f"{ID}.first_response.1"  # codes only where machines read them
    assert payload["custom_details"]["notice_id"] == f"{ID}.first_response.1.minor.on_call"


def test_pagerduty_words_follow_the_notices_clock_category_and_level() -> None:
    warned = notice(clock="resolution", category="product_quality", level="warning")
    payload = pagerduty.event(warned, render(warned, "zh-CN"), "k")["payload"]
    assert (payload["component"], payload["group"], payload["class"]) == ("解决", "产品质量", "预警")
    escalated = notice(clock="site_visit", category="staff", level="escalation")
    payload = pagerduty.event(escalated, render(escalated, "en"), "k")["payload"]
    assert (payload["component"], payload["group"], payload["class"]) == ("Site visit", "Staff conduct", "Escalated")


def test_a_pagerduty_event_keeps_within_the_documented_limits() -> None:
    """Summary at most 1024 characters, dedup_key at most 255, the whole event at most 512 KB."""
    long = notice(subject="长" * 5000, clock="progress_update", cycle=99999, level="escalation")
    for language in ("zh-CN", "en"):
        request = pagerduty.render(long, render(long, language), pagerduty.ENDPOINT, "k" * 32, NOW)
        sent = json.loads(request.body)
        assert len(sent["payload"]["summary"]) <= 1024
        assert sent["payload"]["summary"].endswith("…")
        assert len(sent["dedup_key"]) <= 255
        assert len(request.body) <= 512 * 1024


def test_a_channel_gets_one_delivery_per_level_and_one_resolve_per_cycle() -> None:
    assert delivery_key(notice(audience="on_call")) == delivery_key(notice(audience="regional_manager"))
    assert delivery_key(notice(level="minor")) != delivery_key(notice(level="major"))
    assert resolved_key(notice()) == delivery_key(notice(type="resolved", audience="assignee"))


# ---- answers ------------------------------------------------------------------------------------------------------


def answer(status: int, body: Any, **headers: str) -> Answer:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Answer(status, headers, raw)


@pytest.mark.parametrize(
    ("module", "given", "delivered", "retry_after", "permanent"),
    [
        (wecom, answer(200, {"errcode": 0, "errmsg": "ok"}), True, None, False),
        (wecom, answer(200, {"errcode": 45009, "errmsg": "api freq out of limit"}), False, 60.0, False),
        (wecom, answer(200, {"errcode": 40008, "errmsg": "invalid message type"}), False, None, True),
        (dingtalk, answer(200, {"errcode": 0, "errmsg": "ok"}), True, None, False),
        (dingtalk, answer(200, {"errcode": 410100, "errmsg": "send too fast"}), False, 600.0, False),
        (
            dingtalk,
            answer(200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}),
            False,
            600.0,
            False,
        ),
        (dingtalk, answer(200, {"errcode": 310000, "errmsg": "sign not match"}), False, None, True),
        (dingtalk, answer(200, {"errcode": 310000, "errmsg": "invalid timestamp"}), False, 5.0, False),
        (feishu, answer(200, {"code": 0, "msg": "success", "data": {}}), True, None, False),
        (feishu, answer(200, {"StatusCode": 0, "StatusMessage": "success"}), True, None, False),
        (feishu, answer(200, {"code": 11232, "msg": "frequency limited"}), False, 60.0, False),
        (feishu, answer(200, {"code": 19021, "msg": "sign match fail"}), False, None, True),
        (feishu, answer(400, {"code": 9499, "msg": "Bad Request"}), False, None, True),
        (slack, answer(200, b"ok"), True, None, False),
        (slack, answer(429, b"rate_limited", **{"Retry-After": "7"}), False, 7.0, False),
        (slack, answer(404, b"channel_not_found"), False, None, True),
        (pagerduty, answer(202, {"status": "success"}), True, None, False),
        (pagerduty, answer(400, {"status": "invalid event"}), False, None, True),
        (pagerduty, answer(429, {}), False, 120.0, False),
        (pagerduty, answer(503, {}), False, None, False),
        (webhook, answer(204, b""), True, None, False),
        (webhook, answer(410, b""), False, None, True),
        (webhook, answer(502, b"", **{"retry-after": "12"}), False, 12.0, False),
    ],
)
def test_each_vendor_answer_is_read_its_vendors_way(
    module: Any, given: Answer, delivered: bool, retry_after: float | None, permanent: bool
) -> None:
    verdict = module.judge(given)
    assert (verdict.delivered, verdict.retry_after, verdict.permanent) == (delivered, retry_after, permanent)


# ---- the channels file --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("channels:\n  - {name: a, kind: slack, url: 'http://hooks.slack.com/x'}", "channels.0.url: must be https"),
        ("channels:\n  - {name: a, kind: fax, url: 'https://x.example'}", "channels.0.kind"),
        ("channels:\n  - {name: a, kind: pagerduty}", "needs `secret_env`"),
        ("channels:\n  - {name: a, kind: webhook, url: 'https://x.example'}", "needs `secret_env`"),
        ("channels:\n  - {name: a, kind: wecom}", "needs `url`"),
        ("channels:\n  - {name: a, kind: slack, url: 'https://u:p@x.example'}", "user name or password"),
        ("channels:\n  - {name: a, kind: slack, url: 'https://x.example', levels: [bad]}", "channels.0.levels.0"),
        ("channels:\n  - {name: a, kind: slack, url: 'https://x.example', audiences: [ceo]}", "channels.0.audiences.0"),
        ("channels:\n  - {name: A B, kind: slack, url: 'https://x.example'}", "channels.0.name"),
        ("channels:\n  - {name: a, kind: slack, url: 'https://x.example', colour: red}", "channels.0.colour"),
        (
            "channels:\n  - {name: a, kind: slack, url: 'https://x.example'}\n  - {name: a, kind: slack, url: 'https://y.example'}",
            "another channel is already named 'a'",
        ),
    ],
)
def test_a_bad_channels_file_says_where_and_what(text: str, message: str) -> None:
    with pytest.raises(ChannelsError, match=r"channels\.yaml: ") as raised:
        parse_channels(text, "channels.yaml")
    assert message in str(raised.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9000/hook", "http://localhost/x", "http://[::1]:8080/y"])
def test_plain_http_is_allowed_to_loopback_addresses_only(url: str) -> None:
    parsed = parse_channels(f"channels:\n  - {{name: a, kind: slack, url: '{url}'}}", "channels.yaml")
    assert parsed.channels[0].url == url


def test_the_default_channels_file_has_no_channels() -> None:
    path = Path(__file__).resolve().parents[2] / "chalicelib" / "channels" / "default.yaml"
    assert parse_channels(path.read_text(encoding="utf-8"), str(path)).channels == []


def test_secrets_and_urls_come_from_the_variables_the_file_names(tmp_path: Path) -> None:
    path = tmp_path / "channels.yaml"
    path.write_text(
        "channels:\n"
        "  - {name: pager, kind: pagerduty, secret_env: PD_KEY, levels: [minor, major]}\n"
        "  - {name: group, kind: wecom, url_env: WECOM_URL, audiences: [on_call]}\n",
        encoding="utf-8",
    )
    required = {name.upper(): value for name, value in settings_for_tests().model_dump(mode="json").items() if value}
    environ = {"CHANNELS_FILE": str(path), "PD_KEY": "k" * 32, "WECOM_URL": "https://qyapi.weixin.qq.com/x?key=1"}
    settings = Settings.from_environ({**required, **environ})
    assert settings.channel_values == {"PD_KEY": "k" * 32, "WECOM_URL": "https://qyapi.weixin.qq.com/x?key=1"}
    assert "k" * 32 not in repr(settings)
    pager, group = resolve_channels(parse_channels(path.read_text(), str(path)), settings.channel_values, str(path))
    assert (pager.url, pager.secret) == ("https://events.pagerduty.com/v2/enqueue", "k" * 32)
    assert group.url == "https://qyapi.weixin.qq.com/x?key=1"
    assert pager.accepts(notice(level="minor"))
    assert not pager.accepts(notice(level="warning"))
    assert group.accepts(notice(audience="on_call"))
    assert not group.accepts(notice(audience="assignee"))


def test_an_invalid_channels_file_stops_the_app_at_start(tmp_path: Path) -> None:
    path = tmp_path / "channels.yaml"
    path.write_text("channels:\n  - {name: pager, kind: pager_duty}\n", encoding="utf-8")
    required = {name.upper(): value for name, value in settings_for_tests().model_dump(mode="json").items() if value}
    with pytest.raises(SettingsError, match=r"CHANNELS_FILE .*channels.0.kind"):
        Settings.from_environ({**required, "CHANNELS_FILE": str(path)})


def test_a_variable_that_is_not_set_is_named_at_start(tmp_path: Path) -> None:
    path = tmp_path / "channels.yaml"
    path.write_text("channels:\n  - {name: pager, kind: pagerduty, secret_env: PD_KEY}\n", encoding="utf-8")
    with pytest.raises(ChannelsError, match=r"channels.0 \(pager\): the variable PD_KEY \(secret_env\) is not set"):
        resolve_channels(parse_channels(path.read_text(), str(path)), {}, str(path))
    path.write_text("channels:\n  - {name: g, kind: slack, url_env: U}\n", encoding="utf-8")
    parsed = parse_channels(path.read_text(), str(path))
    with pytest.raises(ChannelsError, match="must be https"):
        resolve_channels(parsed, {"U": "http://hooks.slack.com/x"}, str(path))


def test_the_notice_id_is_what_a_webhook_receiver_deduplicates_on() -> None:
    """Retries of one delivery carry the same webhook-id (the spec's idempotency key)."""
    secret = "whsec_" + base64.b64encode(b"a-signing-secret-of-32-bytes!!!!").decode()
    first = webhook.render(notice(), render(notice(), "zh-CN"), "https://h.example", secret, NOW)
    again = webhook.render(notice(), render(notice(), "zh-CN"), "https://h.example", secret, NOW + timedelta(minutes=1))
    assert first.headers["webhook-id"] == again.headers["webhook-id"] == f"{ID}.first_response.1.minor.on_call"


def storm(audience: Audience, by_level: dict[Level, int]) -> RollUp:
    window = window_of(audience, NOW, 300)
    return rollup(window, sum(by_level.values()), by_level, [ID], {"clocks": ["resolution"]}, SHANGHAI, "en", BOARD)


def test_a_roll_up_passes_a_channels_filters_by_its_audience_and_any_level_it_counts_and_never_a_pager() -> None:
    text = (
        "channels:\n"
        "  - {name: pager, kind: pagerduty, secret_env: PD}\n"
        "  - {name: majors, kind: slack, url: 'https://hooks.slack.com/x', levels: [major]}\n"
        "  - {name: managers, kind: dingtalk, url: 'https://oapi.dingtalk.com/x', audiences: [regional_manager]}\n"
    )
    pager, majors, managers = resolve_channels(parse_channels(text, "channels.yaml"), {"PD": "k" * 32}, "x")
    mixed = storm(Audience.ON_CALL, {Level.MINOR: 30, Level.MAJOR: 2})
    minor_only = storm(Audience.REGIONAL_MANAGER, {Level.MINOR: 30})
    assert not pager.accepts(mixed)
    assert not pager.accepts(minor_only)
    assert majors.accepts(mixed)
    assert not majors.accepts(minor_only)
    assert managers.accepts(minor_only)
    assert not managers.accepts(mixed)


def test_a_roll_up_that_counts_event_notices_is_made_and_worded_with_them_last() -> None:
    message = storm(Audience.GENERAL_MANAGER, {Level.REPORT: 4, Level.MAJOR: 1, Level.MINOR: 2})
    assert "(minor breach 2, major breach 1, " in message.summary
    texts = rollup_texts(message, "en")
    assert texts.facts[2][1].startswith("Minor breach 2, Major breach 1, ")
    assert texts.facts[2][1].endswith(" 4")
    chinese = rollup(window_of(Audience.GENERAL_MANAGER, NOW, 300), 7, message.by_level, [ID], {}, SHANGHAI, "zh-CN")
    assert "（轻微违约 2，重大违约 1，" in chinese.summary


def test_a_roll_up_reads_in_english_and_a_webhook_gets_its_json_under_its_roll_up_id() -> None:
    message = storm(Audience.ON_CALL, {Level.MINOR: 30, Level.MAJOR: 2})
    texts = rollup_texts(message, "en")
    assert texts.title == "Roll-up: On call"
    assert texts.facts[:3] == (
        ("Window", "2026-11-22 12:45-12:50 (+08:00)"),
        ("More notices", "32"),
        ("Levels", "Minor breach 30, Major breach 2"),
    )
    assert ("Deadlines of", "Resolution") in texts.facts
    assert (texts.link, texts.link_text) == (BOARD, "Open the console")
    assert texts.subject == "[Roll-up] 32 more notices for On call, 12:45-12:50"
    assert texts.sms.endswith(f" {BOARD}")
    assert len(texts.sms) <= 70
    secret = "whsec_" + base64.b64encode(b"a-signing-secret-of-32-bytes!!!!").decode()
    request = webhook.render(message, texts, "https://h.example", secret, NOW)
    assert request.headers["webhook-id"] == message.rollup_id == "rollup.on_call.20261122T044500Z"
    assert json.loads(request.body)["kind"] == "rollup"
    assert delivery_key(message) == message.rollup_id


def test_a_roll_ups_levels_are_in_level_order_whatever_order_the_store_gave_them() -> None:
    made = storm(Audience.ON_CALL, {Level.REPORT: 1, Level.MAJOR: 2, Level.WARNING: 3})
    assert list(made.by_level) == [Level.WARNING, Level.MAJOR, Level.REPORT]
    assert json.loads(made.model_dump_json())["by_level"] == {"warning": 3, "major": 2, "report": 1}
