"""The customer and the managers as a person sees them, on one local stack rehearsing a Tuesday morning in
Shanghai (LOCAL_CLOCK_START 10:59, so the hourly digest goes out at 11:00): a posted complaint's receipt page on a
phone (subject and the promised first response), the customer's "yes" with five stars in Chromium closing it and
counting as one customer survey; the Chinese acknowledgement and the digest from the outbox, and the monthly report
built from the stack's own figures, each rendered at 600 px without scrolling sideways, with a text part carrying
the same numbers as its HTML. Screenshots are kept in artifacts/screenshots/."""

from __future__ import annotations

import email
import email.policy
import html
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, expect, sync_playwright

from chalicelib.domain.report_render import render_report
from tests.e2e.conftest import E2E_TOKEN, Stack, start_stack, stop_stack
from tests.e2e.test_console_browser import CHROMIUM, LAUNCH_ARGS, SCREENSHOTS

pytestmark = pytest.mark.e2e

START = "2026-11-17T10:59:35+08:00"  # a Tuesday, inside office hours, 25 s before the 11:00 digest
PHONE: ViewportSize = {"width": 390, "height": 844}
MAIL: ViewportSize = {"width": 600, "height": 800}
URL = re.compile(r"https?://\S+")
NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass
class Scene:
    stack: Stack
    browser: Browser
    complaint: dict[str, Any]
    breached: str

    def staff(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        raw = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Authorization": f"Bearer {E2E_TOKEN}", "Content-Type": "application/json"}
        status, _, answer = self.stack.request(method, path, raw, headers)
        return status, answer

    def outbox(self) -> list[EmailMessage]:
        messages = []
        for path in sorted(self.stack.outbox.glob("*.eml")):
            parsed = email.message_from_string(path.read_text(encoding="utf-8"), policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            messages.append(parsed)
        return messages

    def wait_for_mail(self, kind: str, seconds: float = 90) -> EmailMessage:
        """The first email in the outbox whose Message-ID names `kind` (receipt, hourly)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = [m for m in self.outbox() if kind in str(m["Message-ID"])]
            if found:
                return found[0]
            time.sleep(0.5)
        raise AssertionError(f"no {kind} email in the outbox:\n" + "\n".join(self.stack.lines[-40:]))


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    stack = start_stack(tmp_path_factory.mktemp("customer"), scan_interval="1", extra_env={"LOCAL_CLOCK_START": START})
    playwright: Playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
    try:
        status, _, complaint = stack.post_json(
            {
                "customer_name": "张三",
                "customer_email": "zhang.san@example.com",
                "category": "service",
                "subject": "热水器漏水，客服一直没回电话",
                "description": "上周五打了三次客服电话，都说会回电，到现在没有人联系我。",
            }
        )
        assert status == 201, complaint
        received = datetime.fromisoformat(complaint["received_at"])
        status, _, breached = stack.relay_json(  # an urgent one, 45 min without an answer: in the 11:00 digest
            {
                "customer_name": "李四",
                "customer_phone": "13800138000",
                "category": "product_quality",
                "priority": "urgent",
                "subject": "账单金额与合同不符",
                "received_at": (received - timedelta(minutes=45)).isoformat(),
            }
        )
        assert status == 201, breached
        yield Scene(stack, browser, complaint, breached["id"])
    finally:
        browser.close()
        playwright.stop()
        if stack.process.poll() is None:
            stop_stack(stack)


def shot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    markup = message.get_body(preferencelist=("html",))
    assert text is not None
    assert markup is not None
    return str(text.get_content()), str(markup.get_content())


def read_at_600(browser: Browser, markup: str, name: str) -> str:
    """The email's HTML in Chromium at 600 px: nothing to scroll sideways; returns what a reader sees."""
    context = browser.new_context(viewport=MAIL, locale="zh-CN")
    page = context.new_page()
    page.set_content(markup)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 600, f"{name} is {width} px wide"
    shot(page, name)
    seen = str(page.evaluate("document.body.innerText"))
    context.close()
    return seen


def numbers(text: str) -> set[str]:
    """The numbers a reader sees (links left out: the HTML shows them as words)."""
    return set(NUMBER.findall(URL.sub(" ", text)))


def visible(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def test_the_receipt_page_on_a_phone_then_yes_with_five_stars_closes_it_and_counts_one_customer_survey(
    scene: Scene,
) -> None:
    receipt_url = scene.complaint["receipt_url"]
    assert receipt_url.startswith(scene.stack.url + "/r/")
    context = scene.browser.new_context(viewport=PHONE, locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN"})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(receipt_url)
    expect(page.get_by_text("热水器漏水，客服一直没回电话")).to_be_visible()
    expect(page.get_by_text(re.compile(r"我们将在 \d+ (分钟|小时)内回复您（最迟 11月17日 \d\d:\d\d）"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    styled = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert styled == "rgb(244, 245, 247)", "the page's style sheet is applied (its CSP hash matches)"
    shot(page, "customer-status-phone")

    complaint_id = scene.complaint["id"]
    for kind in ("respond", "resolve"):
        status, answer = scene.staff("POST", f"/complaints/{complaint_id}/events", {"type": kind})
        assert status == 200, answer
    page.reload()
    page.get_by_role("button", name="是的，已解决").click()
    expect(page.get_by_text("请为这次处理评分")).to_be_visible()
    page.locator("input[name=rating][value='5']").check()
    page.get_by_label("意见（可不填）").fill("师傅很专业，谢谢")
    shot(page, "customer-survey-phone")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("感谢您的评价！")).to_be_visible()
    expect(page.get_by_text("已关闭").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "customer-thanked-phone")
    context.close()

    status, answer = scene.staff("GET", f"/complaints/{complaint_id}")
    assert status == 200
    assert answer["status"] == "closed"
    assert answer["satisfaction"] == 5
    status, report = scene.staff("GET", "/reports/monthly?month=2026-11")
    assert status == 200, report
    assert report["total"]["customer_surveys"] == 1
    assert report["total"]["staff_surveys"] == 0


def test_the_acknowledgement_is_chinese_and_reads_at_600_px_with_the_same_numbers_in_text(scene: Scene) -> None:
    message = scene.wait_for_mail(".receipt-")
    assert str(message["To"]) == "zhang.san@example.com"
    written = parsedate_to_datetime(str(message["Date"]))  # the stack's rehearsed clock, not the machine's
    assert timedelta(0) <= written - datetime.fromisoformat(START) < timedelta(minutes=5), written
    assert str(message["Subject"]) == "我们已收到您的投诉：热水器漏水，客服一直没回电话"
    text, markup = parts(message)
    assert "我们将在" in text
    assert scene.complaint["receipt_url"] in text
    seen = read_at_600(scene.browser, markup, "email-acknowledgement-600")
    assert "我们已收到您的投诉" in seen
    assert numbers(text) == numbers(seen) == numbers(visible(markup))


def test_the_hourly_digest_reads_at_600_px_in_chinese_with_the_same_numbers_in_text(scene: Scene) -> None:
    message = scene.wait_for_mail("hourly#")
    assert str(message["Subject"]).startswith("【每小时超时汇总】")
    text, markup = parts(message)
    assert scene.breached in text
    for code in ("on_call", "first_response", "urgent", "product_quality"):
        assert code not in text
    seen = read_at_600(scene.browser, markup, "email-digest-600")
    for words in ("首次响应", "负责人", "下一步", "在控制台打开", "产品质量"):
        assert words in seen
    assert "李*" in seen
    assert "13800138000" not in seen
    assert numbers(text) == numbers(seen)


def test_the_monthly_report_from_the_stacks_figures_reads_at_600_px_with_the_same_numbers_in_text(
    scene: Scene,
) -> None:
    status, report = scene.staff("GET", "/reports/monthly?month=2026-11")
    assert status == 200
    assert report["total"]["received"] >= 2
    rendered = render_report(report)
    seen = read_at_600(scene.browser, rendered.html, "email-monthly-report-600")
    assert f"投诉数\t{report['total']['received']}" in seen or f"投诉数 {report['total']['received']}" in seen
    assert numbers(rendered.text) == numbers(seen)
    english = render_report(report, language="en")
    seen_in_english = read_at_600(scene.browser, english.html, "email-monthly-report-600-en")
    assert numbers(english.text) == numbers(seen_in_english)
