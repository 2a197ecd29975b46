"""The staff console over chalice.test.Client (on the twins; the board's cost on moto): sign-in and back to the page
asked for, sessions and CSRF, the board's order, actions recorded as the signed-in person (once), refusals in
words, the languages, what every answer carries."""

from __future__ import annotations

import json
import math
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import pytest

from chalicelib.console.texts import Texts
from chalicelib.domain.vocabulary import CUSTOMER, Status
from tests.api.console import FORM, Browser, Page
from tests.conftest import World
from tests.intake import URGENT
from tests.integration.helpers import post

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
TOKENS = "li.lei=token-li,han.mei=token-han"


@pytest.fixture
def people(world: World) -> World:
    world.at(NOW)
    world.reconfigure(staff_tokens=TOKENS)
    return world


def signed_in(api: Any, token: str = "token-li", language: str = "zh-CN") -> Browser:
    browser = Browser(api, language)
    browser.follow(browser.sign_in(token))
    return browser


def trail(world: World, complaint_id: str) -> list[dict[str, Any]]:
    return [event.model_dump(mode="json") for event in world.services.workflow.trail(complaint_id)]


def act(browser: Browser, complaint_id: str, **fields: str) -> Page:
    page = browser.get(f"/console/complaints/{complaint_id}")
    assert page.status == 200, page.body
    form = {"csrf": page.csrf(), "key": page.field("key"), **fields}
    return browser.post(f"/console/complaints/{complaint_id}/events", form)


def triage_as_complex_in_a_remote_area(browser: Browser, complaint_id: str, **fields: str) -> Page:
    """The triage form sent for an urgent service complaint: still urgent and service, now complex, remote."""
    return act(
        browser,
        complaint_id,
        type="triage",
        priority="urgent",
        complexity="complex",
        category="service",
        remote_area="yes",
        **fields,
    )


# ----- sign-in, sessions -----


def test_a_page_sends_a_stranger_to_sign_in_and_back_to_it_after(people: World, api: Any) -> None:
    complaint_id = post(api, NOW - timedelta(minutes=45), subject="热水器漏水")
    browser = Browser(api)
    away = browser.get(f"/console/complaints/{complaint_id}")
    assert away.status == 303
    assert away.headers["Location"] == f"/console/login?next=%2Fconsole%2Fcomplaints%2F{complaint_id}"
    form = browser.follow(away)
    assert "员工令牌" in form.text
    assert re.search(r'<label for="token">员工令牌</label>', form.body)
    assert re.search(r"<button[^>]*>登录</button>", form.body)
    signed = browser.post("/console/login", {"csrf": form.csrf(), "next": form.field("next"), "token": "token-li"})
    assert signed.status == 303
    assert signed.headers["Location"] == f"/console/complaints/{complaint_id}"
    session = next(line for line in browser.set_cookies if line.startswith("console_session="))
    for flag in ("HttpOnly", "SameSite=Strict", "Secure", "Max-Age=43200", "Path=/console"):
        assert flag in session.split("; ")
    page = browser.follow(signed)
    assert page.status == 200
    assert "热水器漏水" in page.text
    assert "当前用户 li.lei" in page.text
    assert "13800138000" in page.text  # staff see the customer's details


def test_a_wrong_token_is_refused_in_words_and_gives_no_session(people: World, api: Any) -> None:
    browser = Browser(api)
    refused = browser.sign_in("not-a-token")
    assert refused.status == 401
    assert "令牌无效" in refused.text
    assert "console_session" not in browser.cookies
    assert browser.get("/console").status == 303


def test_the_local_setting_leaves_secure_off_and_sessions_end_after_twelve_hours(people: World, api: Any) -> None:
    people.reconfigure(session_cookie_secure=False)
    browser = signed_in(api)
    assert not any("Secure" in line for line in browser.set_cookies)
    people.at(NOW + timedelta(hours=11, minutes=59))
    assert browser.get("/console").status == 200
    people.at(NOW + timedelta(hours=12))
    expired = browser.get("/console")
    assert expired.status == 303
    assert expired.headers["Location"].startswith("/console/login")


def test_signing_out_ends_the_session(people: World, api: Any) -> None:
    browser = signed_in(api)
    board = browser.get("/console")
    out = browser.post("/console/logout", {"csrf": board.csrf()})
    assert out.status == 303
    assert out.headers["Location"] == "/console/login?bye=1"
    assert "console_session" not in browser.cookies
    assert "您已退出" in browser.follow(out).text
    assert browser.get("/console").status == 303


@pytest.mark.parametrize("next_path", ["//evil.example/x", "https://evil.example/", "/complaints", "/console/../x"])
def test_sign_in_never_leads_off_the_console(people: World, api: Any, next_path: str) -> None:
    browser = Browser(api)
    form = browser.get("/console/login")
    signed = browser.post("/console/login", {"csrf": form.csrf(), "next": next_path, "token": "token-li"})
    assert signed.headers["Location"] == "/console"


def test_a_link_followed_from_another_site_is_opened_again_from_this_one(people: World, api: Any) -> None:
    """A SameSite=Strict cookie does not come with a link followed from webmail or a chat app: the page opens the
    same address again from this site, and that request carries it."""
    complaint_id = post(api, NOW - timedelta(minutes=5))
    browser = signed_in(api)
    here = f"/console/complaints/{complaint_id}"
    stranger = Browser(api)
    bounce = stranger.get(here, {"Sec-Fetch-Site": "cross-site"})
    assert bounce.status == 200
    assert f'<meta http-equiv="refresh" content="0; url={here}">' in bounce.body
    assert browser.get(here, {"Sec-Fetch-Site": "same-origin"}).status == 200
    assert stranger.get(here, {"Sec-Fetch-Site": "same-origin"}).status == 303


# ----- CSRF -----


def test_a_form_without_its_csrf_token_is_refused_and_nothing_changes(people: World, api: Any) -> None:
    complaint_id = post(api, NOW - timedelta(minutes=5))
    browser = signed_in(api)
    other = signed_in(api, "token-han")
    before = people.stored()
    for fields in ({"type": "respond"}, {"type": "respond", "csrf": "forged"}, {"type": "respond", "csrf": ""}):
        refused = browser.post(f"/console/complaints/{complaint_id}/events", fields)
        assert refused.status == 403
        assert "此表单已过期或不是从本控制台提交的" in refused.text
    theirs = other.get("/console").csrf()  # another session's token is no good here either
    assert browser.post(f"/console/complaints/{complaint_id}/events", {"type": "respond", "csrf": theirs}).status == 403
    assert browser.post("/console/logout", {}).status == 403
    assert browser.get("/console").status == 200  # still signed in
    fresh = Browser(api)
    fresh.get("/console/login")
    assert fresh.post("/console/login", {"token": "token-li", "next": "/console"}).status == 403
    assert people.stored() == before


def test_a_post_without_a_session_applies_nothing_and_asks_to_sign_in(people: World, api: Any) -> None:
    complaint_id = post(api, NOW - timedelta(minutes=5))
    before = people.stored()
    away = Browser(api).post(f"/console/complaints/{complaint_id}/events", {"type": "respond", "csrf": "x"})
    assert away.status == 303
    assert away.headers["Location"].startswith("/console/login?next=")
    assert people.stored() == before


# ----- what a posted form may not be -----

NOT_A_FORM = {
    "over the limit": (
        413,
        "提交的内容过长，未执行任何操作。请缩短后重试。",
        "What was sent is too long; nothing was done. Shorten it and try again.",
    ),
    "json": (
        415,
        "提交的内容不是网页表单，无法读取，未执行任何操作。请在页面上填写后提交。",
        "What was sent is not a web form, so nothing was done. Fill in the form on the page and send it.",
    ),
    "a field twice": (
        400,
        "表单中有一项内容提交了两次，无法确定以哪一项为准，未执行任何操作。请刷新页面后重试。",
        "The form gave one field twice, so which value was meant is unknown; nothing was done. Reload the page "
        "and retry.",
    ),
    "more fields than a form has": (
        400,
        "表单内容无法读取，未执行任何操作。请刷新页面后重试。",
        "The form could not be read; nothing was done. Reload the page and retry.",
    ),
}


def unreadable(kind: str, fields: dict[str, str]) -> tuple[bytes, str]:
    """A body a complaint's form would never send: `kind` of `NOT_A_FORM`, carrying `fields` and a note."""
    form = {**fields, "type": "note", "note": "打过电话"}
    if kind == "over the limit":
        return urlencode({**form, "note": "x" * 70_000}).encode(), FORM["Content-Type"]
    if kind == "json":
        return json.dumps(form).encode(), "application/json"
    if kind == "more fields than a form has":  # the console's forms have a few; 40 at most are read
        return urlencode({**form, **{f"f{n}": "x" for n in range(37)}}).encode(), FORM["Content-Type"]
    return f"{urlencode(form)}&note={quote('没打通')}".encode(), FORM["Content-Type"]


@pytest.mark.parametrize("kind", sorted(NOT_A_FORM))
def test_a_form_over_the_limit_not_a_form_or_with_a_field_twice_is_refused_in_words_and_changes_nothing(
    people: World, api: Any, kind: str
) -> None:
    complaint_id = post(api, NOW - timedelta(minutes=10))
    status, chinese, english = NOT_A_FORM[kind]
    for language, words in (("zh-CN", chinese), ("en", english)):
        browser = signed_in(api, language=language)
        page = browser.get(f"/console/complaints/{complaint_id}")
        body, content_type = unreadable(kind, {"csrf": page.csrf(), "key": page.field("key")})
        before = people.stored()
        refused = browser.send(f"/console/complaints/{complaint_id}/events", body, content_type)
        assert refused.status == status
        assert refused.headers["Content-Type"] == "text/html; charset=utf-8"
        assert words in refused.text
        assert people.stored() == before
    assert [event["type"] for event in trail(people, complaint_id)] == ["received"]


def test_a_sign_in_giving_its_token_twice_is_refused_and_opens_no_session(people: World, api: Any) -> None:
    browser = Browser(api)
    form = browser.get("/console/login?next=/console")
    body = urlencode({"csrf": form.csrf(), "next": "/console", "token": "token-li"}) + "&token=token-han"
    refused = browser.send("/console/login", body.encode(), FORM["Content-Type"])
    assert refused.status == 400
    assert "表单中有一项内容提交了两次" in refused.text
    assert "console_session" not in "".join(browser.set_cookies)
    assert browser.get("/console").status == 303


# ----- the board -----


def test_the_board_lists_what_breached_first_in_its_grade(people: World, api: Any) -> None:
    calm = post(api, NOW - timedelta(minutes=5), priority="general", subject="calm")
    major = post(api, NOW - timedelta(minutes=75), subject="major")
    warning = post(api, NOW - timedelta(minutes=25), subject="warning")
    minor = post(api, NOW - timedelta(minutes=45), subject="minor")
    board = signed_in(api).get("/console")
    assert board.status == 200
    rows = re.findall(r'<tr class="row" data-grade="(\w+)" data-id="(\w+)">', board.body)
    assert rows == [("major", major), ("minor", minor), ("warning", warning), ("ok", calm)]
    assert "投诉看板" in board.text
    assert "重大违约 1" in board.text
    assert "正常 1" in board.text
    assert "已超时 0:45:00" in board.text  # the first response was due 45 minutes ago
    assert 'role="timer" data-deadline="' in board.body


def test_the_board_filters_and_names_a_bad_filter(people: World, api: Any) -> None:
    mine = post(api, NOW - timedelta(minutes=5), subject="mine")
    post(api, NOW - timedelta(minutes=6), subject="nobody's")
    browser = signed_in(api)
    act(browser, mine, type="assign", assignee="li.lei")
    page = browser.get("/console?who=mine")
    assert re.findall(r'data-id="(\w+)"', page.body) == [mine]
    refused = browser.get("/console?grade=awful&who=everyone")
    assert refused.status == 400
    assert "筛选条件无效：负责人、等级" in refused.text or "筛选条件无效：等级、负责人" in refused.text


# ----- a complaint's page and its actions -----


def test_an_action_is_recorded_as_the_signed_in_person_and_the_page_shows_it(people: World, api: Any) -> None:
    complaint_id = post(api, NOW - timedelta(minutes=10))
    browser = signed_in(api)
    done = act(browser, complaint_id, type="respond", note="已回电\r\n客户在家")
    assert done.status == 303
    assert done.headers["Location"] == f"/console/complaints/{complaint_id}?done=respond"
    page = browser.follow(done)
    assert "已记录：已响应" in page.text
    assert re.search(r'data-grade="ok" data-state="met">\s*<div class="clock-head">\s*<h3>首次响应', page.body)
    last = trail(people, complaint_id)[-1]
    assert (last["type"], last["by"], last["details"]["note"]) == ("respond", "li.lei", "已回电\n客户在家")
    assert last["details"]["first_response_outcome"] == "met"


def test_the_same_form_sent_twice_is_recorded_once(people: World, api: Any) -> None:
    complaint_id = post(api, NOW - timedelta(minutes=10))
    browser = signed_in(api)
    page = browser.get(f"/console/complaints/{complaint_id}")
    form = {"csrf": page.csrf(), "key": page.field("key"), "type": "note", "note": "打过电话"}
    first = browser.post(f"/console/complaints/{complaint_id}/events", form)
    again = browser.post(f"/console/complaints/{complaint_id}/events", form)
    assert first.status == again.status == 303
    assert [event["type"] for event in trail(people, complaint_id)] == ["received", "note"]


def test_a_refused_action_says_why_in_words(people: World, api: Any) -> None:
    complaint_id = post(api, NOW - timedelta(minutes=10))
    chinese = act(signed_in(api), complaint_id, type="confirm")
    assert chinese.status == 409
    assert "无法执行“客户已确认”：投诉当前状态为“处理中”。现在可以：记录响应、" in chinese.text
    english = act(signed_in(api, language="en"), complaint_id, type="confirm")
    assert english.status == 409
    assert "“Customer confirmed” cannot be done: the complaint is Open. It allows now: Respond, " in english.text
    assert "'confirm'" not in english.text
    assert [event["type"] for event in trail(people, complaint_id)] == ["received"]


def test_a_missing_field_is_named_in_words(people: World, api: Any) -> None:
    complaint_id = post(api, NOW - timedelta(minutes=10))
    browser = signed_in(api)
    force = act(browser, complaint_id, type="pause", reason="force_majeure")
    assert force.status == 422
    assert "未记录，请检查：不可抗力须填写说明、不可抗力须先告知客户时限顺延。" in force.text
    empty = act(browser, complaint_id, type="note", note="  ")
    assert empty.status == 422
    assert "未记录，请检查：备注。" in empty.text  # the workflow's own rule, as the API refuses it too
    assert [event["type"] for event in trail(people, complaint_id)] == ["received"]
    paused = act(browser, complaint_id, type="pause", reason="force_majeure", note="台风停电", customer_informed="yes")
    assert "计时已暂停：不可抗力" in browser.follow(paused).text


def test_only_what_the_complaint_allows_is_offered(people: World, api: Any) -> None:
    complaint_id = post(api, NOW - timedelta(minutes=10))  # urgent service: no site visit, no progress clock
    browser = signed_in(api)
    page = browser.get(f"/console/complaints/{complaint_id}")
    buttons = re.findall(r'name="type" value="(\w+)"', page.body)
    assert buttons == ["respond", "resolve", "note", "assign", "assign", "pause", "agree", "triage"]
    assert "handoff" not in buttons  # the default policy has no hand-off clock
    assert "指派给我" in page.text
    act(browser, complaint_id, type="resolve")
    resolved = browser.get(f"/console/complaints/{complaint_id}")
    assert re.findall(r'name="type" value="(\w+)"', resolved.body)[:6] == [
        "confirm",
        "reopen",
        "note",
        "assign",
        "assign",
        "pause",
    ]


def test_a_site_visit_still_owed_after_resolve_is_offered_and_recorded_from_the_page(people: World, api: Any) -> None:
    complaint_id = post(api, NOW - timedelta(minutes=10), category="product_quality")
    browser = signed_in(api)
    act(browser, complaint_id, type="resolve")
    resolved = browser.get(f"/console/complaints/{complaint_id}")
    assert "site_visit" in re.findall(r'name="type" value="(\w+)"', resolved.body)
    assert "记录已上门" in resolved.text
    act(browser, complaint_id, type="site_visit")
    shown = json.loads(api.http.get(f"/complaints/{complaint_id}", headers={"Authorization": "Bearer token-li"}).body)
    assert (shown["status"], shown["clocks"]["site_visit"]["state"]) == ("resolved", "met")


LETTERS = Path(__file__).resolve().parents[2] / "chalicelib" / "policy" / "letters"


def test_a_letters_own_steps_are_offered_and_recorded_from_the_page(people: World, api: Any) -> None:
    people.reconfigure(sla_policy_file=LETTERS / "after-sales.yaml")
    complaint_id = post(api, NOW - timedelta(minutes=10), category="product_quality")
    browser = signed_in(api)
    page = browser.get(f"/console/complaints/{complaint_id}")
    assert "转交责任部门" in page.text
    assert "责任部门" in page.text
    handed = act(browser, complaint_id, type="handoff", department="售后服务部")
    assert "已记录：已转交责任部门" in browser.follow(handed).text
    last = trail(people, complaint_id)[-1]
    assert (last["type"], last["by"], last["details"]["department"]) == ("handoff", "li.lei", "售后服务部")
    nothing = act(browser, complaint_id, type="handoff")
    assert nothing.status == 422
    assert "未记录，请检查：责任部门" in nothing.text


def test_an_agreed_time_is_read_in_the_policys_zone_and_needs_a_note(people: World, api: Any) -> None:
    complaint_id = post(api, NOW - timedelta(minutes=10))
    browser = signed_in(api)
    page = browser.get(f"/console/complaints/{complaint_id}")
    assert '<option value="first_response">首次响应</option>' in page.body
    bare = act(browser, complaint_id, type="agree", clock="first_response", deadline="2026-11-23T15:00")
    assert bare.status == 422
    assert "未记录，请检查：备注" in bare.text
    agreed = act(
        browser, complaint_id, type="agree", clock="first_response", deadline="2026-11-23T15:00", note="客户约下午三点"
    )
    assert agreed.status == 303, agreed.body
    complaint = people.services.workflow.get(complaint_id)
    cycle = complaint.clocks["first_response"].cycle
    assert cycle is not None
    assert cycle.deadline == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    past = act(browser, complaint_id, type="agree", clock="first_response", deadline="2026-11-23T09:00", note="x")
    assert past.status == 422
    assert "约定的时间（须晚于现在）" in past.text


def test_a_triage_records_only_what_it_changes_and_nothing_changed_is_said_in_words(people: World, api: Any) -> None:
    complaint_id = post(api, NOW - timedelta(minutes=10))  # urgent service
    browser = signed_in(api)
    page = browser.get(f"/console/complaints/{complaint_id}")
    assert re.search(r'<option value="urgent" selected>紧急</option>', page.body)
    same = act(browser, complaint_id, type="triage", priority="urgent", complexity="general", category="service")
    assert same.status == 422
    assert "重新分级须至少改变一项" in same.text
    changed = triage_as_complex_in_a_remote_area(browser, complaint_id, note="客户在山区")
    assert changed.status == 303, changed.body
    complaint = people.services.workflow.get(complaint_id)
    assert (complaint.complexity.value, complaint.remote_area, complaint.priority.value) == ("complex", True, "urgent")
    last = trail(people, complaint_id)[-1]
    assert last["type"] == "triage"
    assert last["by"] == "li.lei"
    assert {name: last["details"][name] for name in ("complexity", "remote_area")} == {
        "complexity": "complex",
        "remote_area": "true",
    }
    assert "priority" not in last["details"]
    assert "category" not in last["details"]


def test_the_timeline_says_what_happened_in_words(people: World, api: Any) -> None:
    complaint_id = post(api, NOW - timedelta(minutes=45), subject="<script>alert(1)</script>")
    people.services.scanner.run(NOW, lambda: 60.0)
    page = signed_in(api).get(f"/console/complaints/{complaint_id}")
    assert "提醒已发出" in page.text
    assert "首次响应 · 轻微违约 → 值班人员、区域经理" in page.text
    assert "系统（时限扫描）" in page.text
    assert "<script>alert(1)</script>" not in page.body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.body


def test_what_the_customer_answered_on_the_status_page_is_theirs_in_words(people: World, api: Any) -> None:
    complaint_id = post(api, NOW - timedelta(minutes=5))
    people.services.workflow.record(complaint_id, {"type": "resolve"}, None, NOW, "li.lei")
    people.services.workflow.record(complaint_id, {"type": "confirm"}, None, NOW, CUSTOMER)
    page = signed_in(api).get(f"/console/complaints/{complaint_id}")
    assert "客户（进度页面）" in page.text
    assert ">customer<" not in page.body


def timeline_text(page: Page) -> str:
    """The timeline section's words."""
    found = re.search(r'<section aria-labelledby="h-timeline".*?</section>', page.body, flags=re.S)
    assert found is not None, "the page has a timeline"
    return Page(page.status, page.headers, found.group(0)).text


def test_the_system_is_named_in_words_on_the_timeline_never_by_its_code(people: World, api: Any) -> None:
    people.reconfigure(sla_policy_file=LETTERS / "complaint-handling.yaml")  # reports every product complaint
    complaint_id = post(api, NOW - timedelta(minutes=45), category="product_quality")
    assert "notify" in {event["by"] for event in trail(people, complaint_id)}
    chinese = timeline_text(signed_in(api).get(f"/console/complaints/{complaint_id}"))
    english = timeline_text(signed_in(api, language="en").get(f"/console/complaints/{complaint_id}"))
    assert "系统（事件通知）" in chinese
    assert "System (event notices)" in english
    for text in (chinese, english):
        assert not re.search(r"\b(notify|scanner)\b", text), text


def test_where_a_complaint_came_from_is_said_in_words_never_by_the_sources_key(
    people: World, api: Any, tmp_path: Path
) -> None:
    relayed = post(api, NOW - timedelta(minutes=5))
    form = {**{k: v for k, v in URGENT.items() if k != "priority"}, "subject": "网站上提交的投诉"}
    response = api.http.post("/complaints", headers={"Content-Type": "application/json"}, body=json.dumps(form))
    assert response.status_code == 201, response.body
    public = json.loads(response.body)["id"]
    browser, english = signed_in(api), signed_in(api, language="en")
    chinese_relayed = timeline_text(browser.get(f"/console/complaints/{relayed}"))
    assert "收到投诉 外部系统（接口提交）" in chinese_relayed
    assert "渠道：" in chinese_relayed
    assert "Another system (through the API)" in timeline_text(english.get(f"/console/complaints/{relayed}"))
    assert "客户（网站投诉表单）" in timeline_text(browser.get(f"/console/complaints/{public}"))
    assert "The customer (the complaint form on the site)" in timeline_text(
        english.get(f"/console/complaints/{public}")
    )
    titled = tmp_path / "sources.yaml"
    default = Path(__file__).resolve().parents[2] / "chalicelib" / "sources" / "default.yaml"
    titled.write_text(
        default.read_text(encoding="utf-8").replace(
            "    auth: standard\n", "    auth: standard\n    title: 合作方工单系统\n", 1
        ),
        encoding="utf-8",
    )
    people.reconfigure(sources_file=titled)
    assert "收到投诉 合作方工单系统" in timeline_text(browser.get(f"/console/complaints/{relayed}"))
    for page in (browser.get(f"/console/complaints/{relayed}"), english.get(f"/console/complaints/{relayed}")):
        shown = timeline_text(page)
        assert "relay" not in shown
        assert "表单提交" not in shown
        assert "Form submission" not in shown


def test_the_footer_names_the_time_zone_as_people_do_never_by_its_iana_id(people: World, api: Any) -> None:
    chinese = signed_in(api).get("/console")
    english = signed_in(api, language="en").get("/console")
    assert "时间均为北京时间（UTC+8）。" in chinese.text
    assert "Times are in China Standard Time (UTC+8)." in english.text
    for page in (chinese, english, Browser(api).get("/console/login")):
        assert "Asia/Shanghai" not in page.body


def test_a_triage_on_the_timeline_says_what_it_changed_in_words(people: World, api: Any) -> None:
    complaint_id = post(api, NOW - timedelta(minutes=10))  # urgent service, general
    browser = signed_in(api)
    before = people.services.workflow.get(complaint_id).clocks["resolution"].cycle
    changed = triage_as_complex_in_a_remote_area(browser, complaint_id)
    assert changed.status == 303, changed.body
    after = people.services.workflow.get(complaint_id).clocks["resolution"].cycle
    assert before is not None
    assert after is not None
    assert before.deadline is not None
    assert after.deadline is not None
    assert before.deadline != after.deadline
    chinese = timeline_text(browser.get(f"/console/complaints/{complaint_id}"))
    english = timeline_text(signed_in(api, language="en").get(f"/console/complaints/{complaint_id}"))
    assert "复杂程度：一般问题 → 复杂问题" in chinese
    assert "偏远地区：否 → 是" in chinese
    shown = [Texts("zh-CN", ZoneInfo("Asia/Shanghai")).time(moment) for moment in (before.deadline, after.deadline)]
    assert f"解决：期限 {shown[0]} → {shown[1]}" in chinese
    added = people.services.workflow.get(complaint_id).clocks["progress_update"].cycle
    assert added is not None
    assert added.deadline is not None
    assert f"进度更新：新增时限，期限 {Texts('zh-CN', ZoneInfo('Asia/Shanghai')).time(added.deadline)}" in chinese
    assert "Progress update: a new clock, deadline" in english
    assert "Complexity: General problem → Complex problem" in english
    assert "Remote area: no → yes" in english
    assert "优先级" not in chinese  # unchanged, not said
    for text in (chinese, english):
        assert not re.search(r"\b(general|complex|remote_area|true|false)\b", text), text


def test_an_unknown_complaint_is_a_page_that_says_so(people: World, api: Any) -> None:
    browser = signed_in(api)
    for path in ("/console/complaints/" + "a" * 32, "/console/complaints/not-an-id"):
        page = browser.get(path)
        assert page.status == 404
        assert "找不到此投诉" in page.text


# ----- languages, headers, assets, configuration -----


def test_english_by_accept_language_and_the_switch_remembers_a_choice(people: World, api: Any) -> None:
    english = Browser(api, "en")
    form = english.get("/console/login")
    assert "Staff token" in form.text
    assert re.search(r"<button[^>]*>Sign in</button>", form.body)
    assert '<html lang="en">' in form.body
    switched = english.get("/console/language?to=zh-CN&next=%2Fconsole%2Flogin")
    assert switched.headers["Location"] == "/console/login"
    assert "员工令牌" in english.follow(switched).text
    chinese = Browser(api)
    assert '<html lang="zh-CN">' in chinese.get("/console/login").body


def test_every_answer_carries_the_security_headers_and_pages_are_not_stored(people: World, api: Any) -> None:
    browser = Browser(api)
    for page in (browser.get("/console"), browser.get("/console/login")):
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert browser.get("/console/login").headers["Cache-Control"] == "no-store"


def test_static_files_are_served_versioned_and_cacheable(people: World, api: Any) -> None:
    browser = Browser(api)
    page = browser.get("/console/login")
    addresses = re.findall(r'(?:href|src)="(/console/static/[\w.]+\?v=\w+)"', page.body)
    assert sorted(address.split("?")[0] for address in addresses) == [
        "/console/static/console.css",
        "/console/static/console.js",
    ]
    for address in addresses:
        asset = browser.get(address)
        assert asset.status == 200
        assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert browser.get(address, {"If-None-Match": asset.headers["ETag"]}).status == 304
    assert browser.get("/console/static/console.css").headers["Cache-Control"] == "public, max-age=300"
    assert browser.get("/console/static/secrets.txt").status == 404


def test_without_a_session_secret_nobody_can_sign_in_and_the_page_says_why(people: World, api: Any) -> None:
    people.reconfigure(session_secret="")
    page = Browser(api).get("/console/login")
    assert page.status == 503
    assert "SESSION_SECRET" in page.text
    assert Browser(api).get("/console").status == 503


# ----- the board's cost, on moto -----


def test_a_board_of_500_open_complaints_reads_the_status_index_and_its_items_in_a_few_pages(
    aws_world: World, aws_api: Any, dynamodb_requests: Any
) -> None:
    from tests.integration.seeding import seed

    aws_world.at(NOW)
    aws_world.reconfigure(staff_tokens=TOKENS)
    seed(aws_world, NOW, open_count=500, due_count=100)
    _closed(aws_world, 300)  # closed complaints cost nothing: they are under another key of the index
    browser = Browser(aws_api)
    assert browser.sign_in("token-li").status == 303
    asked: list[tuple[str, str | None]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        asked.append((model.name, params.get("IndexName")))

    aws_world.aws.dynamodb.meta.events.register("before-parameter-build.dynamodb", record)
    dynamodb_requests.reset()
    board = browser.get("/console")
    assert board.status == 200
    assert len(re.findall(r'<tr class="row"', board.body)) == 500
    assert dynamodb_requests.calls["Scan"] == 0
    assert set(asked) == {("Query", "by_status"), ("BatchGetItem", None)}
    pages = math.ceil(500 / 100) + 1 + len((Status.OPEN, Status.RESOLVED))
    assert dynamodb_requests.calls["Query"] <= pages
    assert dynamodb_requests.calls["BatchGetItem"] == math.ceil(500 / 100)  # the index holds keys: a fetch a page
    assert dynamodb_requests.items_read == 2 * 500  # 500 index entries, then those 500 complaints


def _closed(world: World, count: int) -> None:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.adapters.dynamo import complaint_values, to_item
    from chalicelib.domain.intake import validate_submission
    from chalicelib.domain.opening import build_complaint
    from tests.integration.seeding import SUBMISSION

    received = NOW - timedelta(days=3)
    submission = validate_submission({**SUBMISSION, "received_at": received.isoformat()}, received)
    template = build_complaint(submission, world.services.policies, "template", received, "seed")
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].get_table(world.services.settings.table_name)
    for _ in range(count):
        closed = template.model_copy(update={"id": uuid.uuid4().hex, "status": Status.CLOSED})
        table.put_item(to_item(complaint_values(closed, world.services.settings.due_shards)))


def test_the_console_never_answers_json_problems_to_a_browser(people: World, api: Any) -> None:
    browser = signed_in(api)
    page = browser.post("/console/complaints/" + "a" * 32 + "/events", {"type": "x"}, {"Content-Type": "text/plain"})
    assert page.status == 415
    assert page.headers["Content-Type"].startswith("text/html")
    assert json.dumps("不是网页表单")[1:-1] not in page.body  # words, not escaped JSON
    assert "提交的内容不是网页表单" in page.text
