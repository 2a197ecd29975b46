"""The console in a real browser (Debian's chromium, driven by Playwright) against one local stack: sign-in, the
board's order and colours, a countdown that ticks and a row that turns colour on its own, Respond meeting the
first response, a refused action's reason, a notice's link through sign-in, sign-out, a form without its CSRF
token, and what a phone shows. Screenshots are kept in artifacts/screenshots/."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ViewportSize, expect, sync_playwright

from tests.e2e.conftest import ROOT, Stack, start_stack, stop_stack
from tests.intake import URGENT

pytestmark = pytest.mark.e2e

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
TOKEN = "token-li"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
COLOURS = {  # the left edge of a board row, by grade (console.css)
    "major": "rgb(74, 15, 46)",
    "minor": "rgb(213, 94, 0)",
    "warning": "rgb(230, 159, 0)",
    "ok": "rgb(0, 114, 178)",
}


@dataclass
class Console:
    stack: Stack
    browser: Browser
    ids: dict[str, str]

    def context(self, language: str = "zh-CN", viewport: ViewportSize = DESKTOP) -> BrowserContext:
        context = self.browser.new_context(
            viewport=viewport, locale=language, extra_http_headers={"Accept-Language": language}
        )
        context.set_default_timeout(15_000)
        return context

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        raw = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        status, _, answer = self.stack.request(method, path, raw, headers)
        return status, answer


def _post(stack: Stack, minutes_ago: float, **fields: str) -> str:
    received = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    payload = {
        **URGENT,
        "description": "上周五打了三次客服电话，都说会回电，到现在没有人联系我。",
        "received_at": received.isoformat(),
        **fields,
    }
    status, _, body = stack.relay_json(payload)
    assert status == 201, body
    complaint_id: str = body["id"]
    return complaint_id


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    stack = start_stack(
        tmp_path_factory.mktemp("console"), extra_env={"STAFF_TOKENS": f"li.lei={TOKEN},han.mei=token-han"}
    )
    ids = {
        "calm": _post(stack, 5, priority="general", subject="发票抬头开错了"),
        "major": _post(stack, 75, subject="热水器漏水，客服一直没回电话"),
        "minor": _post(stack, 45, subject="账单金额与合同不符", category="product_quality"),
        "stale": _post(stack, 3, priority="important", subject="退款进度没有人告知"),
    }
    playwright: Playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
    try:
        yield Console(stack, browser, ids)
    finally:
        browser.close()
        playwright.stop()
        if stack.process.poll() is None:
            stop_stack(stack)


def sign_in(page: Page, url: str, token: str = TOKEN, label: str = "员工令牌", button: str = "登录") -> None:
    page.goto(url)
    page.get_by_label(label).fill(token)
    page.get_by_role("button", name=button, exact=True).click()


def shot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_the_board_after_sign_in_puts_the_breached_first_in_their_colours_and_counts_down(console: Console) -> None:
    context = console.context()
    page = context.new_page()
    sign_in(page, console.stack.url + "/console")
    expect(page).to_have_url(console.stack.url + "/console")
    # urgent: a warning at 22.5 minutes; this one reaches it 12 seconds from now, with the board open
    ids = {**console.ids, "soon": _post(console.stack, 22.5 - 12 / 60, subject="安装预约被取消", category="staff")}
    page.reload()
    soon = page.locator(f'tr.row[data-id="{ids["soon"]}"]')
    assert soon.get_attribute("data-grade") == "ok"
    expect(page.get_by_role("heading", name="投诉看板")).to_be_visible()
    expect(page.locator(".me")).to_have_text("当前用户 li.lei")
    rows = page.locator("tr.row")
    order = [rows.nth(i).get_attribute("data-id") for i in range(rows.count())]
    assert order[:3] == [ids["major"], ids["minor"], ids["soon"]]
    assert set(order) >= set(ids.values())
    first = rows.first
    expect(first.locator(".badge .grade-word")).to_have_text("重大违约")
    edge = first.locator("td").first.evaluate("cell => getComputedStyle(cell).borderLeftColor")
    assert edge == COLOURS["major"]
    glyph = first.locator(".glyph").evaluate("glyph => getComputedStyle(glyph, '::before').content")
    assert glyph == '"✕✕"'  # a shape as well as a colour
    assert (
        rows.nth(1).locator("td").first.evaluate("cell => getComputedStyle(cell).borderLeftColor") == COLOURS["minor"]
    )
    countdown = first.locator(".countdown")
    before = countdown.text_content()
    assert before is not None
    assert before.startswith("已超时 ")
    page.wait_for_function(
        "([element, before]) => element.textContent !== before", arg=[countdown.element_handle(), before]
    )
    expect(soon).to_have_attribute("data-grade", "warning", timeout=30_000)  # turned by the page, not reloaded
    expect(soon.locator(".badge .grade-word")).to_have_text("即将超时")
    assert soon.locator("td").first.evaluate("cell => getComputedStyle(cell).borderLeftColor") == COLOURS["warning"]
    shot(page, "board-desktop")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "board-phone")
    page.get_by_role("link", name="热水器漏水，客服一直没回电话").click()
    expect(page.get_by_role("heading", name="热水器漏水，客服一直没回电话")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "complaint-phone")
    page.set_viewport_size(DESKTOP)
    shot(page, "complaint-desktop")
    context.close()


def test_respond_meets_the_first_response_and_a_notice_link_lands_there_after_sign_in(console: Console) -> None:
    context = console.context("en")
    outside = context.new_page()
    address = f"{console.stack.url}/console/complaints/{console.ids['minor']}"
    outside.set_content(f'<a href="{address}">open the complaint</a>')  # a notice, in another site's page
    outside.get_by_role("link").click()
    expect(outside).to_have_url(re_login())
    outside.get_by_label("Staff token").fill(TOKEN)
    outside.get_by_role("button", name="Sign in", exact=True).click()
    expect(outside).to_have_url(address)
    page = outside
    expect(page.get_by_role("heading", name="账单金额与合同不符")).to_be_visible()
    first_response = page.locator("li.clock").filter(has=page.get_by_role("heading", name="First response"))
    expect(first_response).to_have_attribute("data-grade", "minor")
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
        ".filter(field => field.labels.length === 0).length"
    )
    assert unlabelled == 0
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for link in (page.locator(".back a"), page.locator(".customer dd a").first):  # back, and calling the customer
        box = link.bounding_box()
        assert box is not None
        assert box["height"] >= 44, box  # a tap target on a phone (WCAG 2.5.5)
    shot(page, "complaint-phone-en")
    page.set_viewport_size(DESKTOP)
    page.get_by_label("Note (optional)").fill("Called the customer back")
    page.get_by_role("button", name="Respond", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Recorded: Responded.")
    expect(first_response).to_have_attribute("data-state", "breached")  # responded, but after the deadline
    expect(first_response.locator(".state")).to_have_text("Met late")
    status, trail = console.api("GET", f"/complaints/{console.ids['minor']}/events")
    assert status == 200
    staff = [item for item in trail["items"] if item["type"] != "notice"]  # the timers notified its breach
    assert (staff[-1]["type"], staff[-1]["by"]) == ("respond", "li.lei")
    page.goto(f"{console.stack.url}/console/complaints/{console.ids['calm']}")
    page.get_by_role("button", name="Respond", exact=True).click()
    calm = page.locator("li.clock").filter(has=page.get_by_role("heading", name="First response"))
    expect(calm).to_have_attribute("data-state", "met")  # in time
    expect(calm.locator(".state")).to_have_text("Met")
    again = context.new_page()  # signed in now: a notice's link from another site opens the page directly
    again.set_content(f'<a href="{address}">open the complaint</a>')
    again.get_by_role("link").click()
    expect(again).to_have_url(address)
    context.close()


def re_login() -> Any:
    import re

    return re.compile(r".*/console/login\?next=%2Fconsole%2Fcomplaints%2F[0-9a-f]{32}$")


def test_a_refused_action_says_why_and_a_form_without_its_csrf_token_is_refused(console: Console) -> None:
    context = console.context()
    page = context.new_page()
    complaint = f"{console.stack.url}/console/complaints/{console.ids['stale']}"
    sign_in(page, complaint)
    expect(page).to_have_url(complaint)
    status, _ = console.api("POST", f"/complaints/{console.ids['stale']}/events", {"type": "resolve"})
    assert status == 200  # resolved through the API while this page was open
    page.get_by_role("button", name="记录响应", exact=True).click()
    alert = page.locator("#problem")
    expect(alert).to_contain_text("无法执行“记录响应”：投诉当前状态为“已解决，待确认”。现在可以：客户已确认、重新打开")
    page.keyboard.press("Tab")  # the page stays usable from the keyboard after a refusal
    page.locator("form.action-form input[name=csrf]").first.evaluate("field => field.remove()")
    page.get_by_role("button", name="添加备注", exact=True).click()
    expect(page.locator(".message")).to_contain_text("此表单已过期或不是从本控制台提交的")
    status, trail = console.api("GET", f"/complaints/{console.ids['stale']}/events")
    assert [event["type"] for event in trail["items"]] == ["received", "resolve"]
    context.close()


def test_sign_out_ends_the_session(console: Console) -> None:
    context = console.context()
    page = context.new_page()
    sign_in(page, console.stack.url + "/console")
    expect(page.get_by_role("heading", name="投诉看板")).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"  # the first stop: skip to content
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("status")).to_have_text("您已退出。")
    page.goto(console.stack.url + "/console")
    expect(page.get_by_label("员工令牌")).to_be_visible()
    assert not [cookie for cookie in context.cookies() if cookie["name"] == "console_session"]
    context.close()
