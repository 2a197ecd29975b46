"""The customer's status page /r/{token}: what it shows (and never shows), the 404 page, the rate limit, the
link's end 90 days after close, and the customer's own confirmation and survey (CSRF-protected, once per cycle),
recorded `by: customer` and reported apart from staff-entered satisfaction."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.test_receipts import NOW, VALID, post
from tests.conftest import STAFF, World
from tests.intake import URGENT, relay

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def opened(world: World, api: Any) -> tuple[str, str]:
    world.at(NOW)
    body = json.loads(post(api, VALID).body)
    return body["id"], "/r/" + body["receipt_url"].rsplit("/", 1)[1]


def resolved(world: World, api: Any) -> tuple[str, str]:
    """A complaint its staff resolved, its status page waiting for the customer's answer: its id and page's path."""
    complaint_id, path = opened(world, api)
    staff(api, complaint_id, {"type": "resolve", "by": "li.lei"})
    return complaint_id, path


def staff(api: Any, complaint_id: str, event: dict[str, Any]) -> dict[str, Any]:
    response = api.http.post(
        f"/complaints/{complaint_id}/events",
        body=json.dumps(event),
        headers={"Content-Type": "application/json", **STAFF},
    )
    assert response.status_code == 200, response.body
    result: dict[str, Any] = json.loads(response.body)
    return result


def page(api: Any, path: str, language: str = "zh-CN") -> tuple[Any, str, str]:
    response = api.http.get(path, headers={"Accept-Language": language})
    text = response.body.decode()
    cookie = response.headers.get("Set-Cookie", "")
    match = re.search(r"r_csrf=([^;]+)", cookie)
    return response, text, match.group(1) if match else ""


def send(api: Any, path: str, fields: str, csrf: str) -> Any:
    return api.http.post(path, body=f"csrf={csrf}&{fields}", headers={**FORM, "Cookie": f"r_csrf={csrf}"})


def refusal(api: Any, path: str, fields: str, csrf: str) -> str:
    """The page answering a form the customer must correct: a 422, its text."""
    response = send(api, path, fields, csrf)
    assert response.status_code == 422
    text: str = response.body.decode()
    return text


def test_the_page_shows_the_subject_status_and_promise_in_chinese_and_nothing_of_staff(world: World, api: Any) -> None:
    complaint_id, path = opened(world, api)
    staff(api, complaint_id, {"type": "assign", "by": "li.lei", "assignee": "han.meimei"})
    staff(api, complaint_id, {"type": "respond", "note": "内部备注：客户很着急"})
    response, text, _ = page(api, path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "客服没有回电话" in text
    assert "我们将在 2 小时内回复您（最迟 11月23日 14:00）" in text
    assert "处理中" in text
    assert "已响应" in text
    assert "收到投诉" in text
    for secret in ("li.lei", "han.meimei", "内部备注", "zhang.san@example.com", "提醒已发出", "指派"):
        assert secret not in text
    assert "no-store" in response.headers["Cache-Control"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_english_labels_read_as_promised(world: World, api: Any) -> None:
    _, path = resolved(world, api)
    _, text, csrf = page(api, path, "en")
    assert "Yes, it is solved" in text
    assert "No, it is not solved" in text
    send(api, path + "/confirm", "answer=yes", csrf)
    _, text, _ = page(api, path, "en")
    assert all(label in text for label in ("Rating", "Comment", "Send"))
    assert text.count('type="radio" name="rating"') == 5


def test_an_unknown_malformed_or_expired_link_is_a_plain_404_page(world: World, api: Any) -> None:
    complaint_id, path = opened(world, api)
    for other in ("/r/" + "A" * 24, "/r/short", "/r/" + "x" * 80):
        response, text, _ = page(api, other)
        assert response.status_code == 404
        assert "该链接无效或已过期" in text
    staff(api, complaint_id, {"type": "resolve", "by": "li.lei"})
    staff(api, complaint_id, {"type": "confirm", "by": "li.lei"})
    world.at(NOW + timedelta(days=89))
    assert page(api, path)[0].status_code == 200
    world.at(NOW + timedelta(days=90, minutes=1))
    assert page(api, path)[0].status_code == 404


def test_the_page_is_rate_limited_per_address(world: World, api: Any) -> None:
    from chalicelib.customer.routes import _limiter

    _limiter.cache_clear()
    world.at(datetime(2026, 11, 23, 5, 0, tzinfo=UTC))
    statuses = [api.http.get("/r/" + "B" * 24).status_code for _ in range(61)]
    assert statuses[:60] == [404] * 60
    assert statuses[60] == 429
    world.at(datetime(2026, 11, 23, 5, 1, tzinfo=UTC))
    assert api.http.get("/r/" + "B" * 24).status_code == 404
    _limiter.cache_clear()


def test_yes_with_five_stars_closes_it_and_counts_as_the_customers_own_survey(world: World, api: Any) -> None:
    complaint_id, path = resolved(world, api)
    _, text, csrf = page(api, path)
    assert "问题解决了吗？" in text
    assert send(api, path + "/confirm", "answer=yes", csrf).status_code == 303
    shown = json.loads(api.http.get(f"/complaints/{complaint_id}", headers=STAFF).body)
    assert shown["status"] == "closed"
    assert send(api, path + "/survey", "rating=5&comment=%E5%BE%88%E5%A5%BD", csrf).status_code == 303
    shown = json.loads(api.http.get(f"/complaints/{complaint_id}", headers=STAFF).body)
    assert shown["satisfaction"] == 5
    trail = json.loads(api.http.get(f"/complaints/{complaint_id}/events", headers=STAFF).body)["items"]
    assert [(e["type"], e["by"]) for e in trail[-2:]] == [("confirm", "customer"), ("satisfaction", "customer")]
    assert send(api, path + "/survey", "rating=1", csrf).status_code == 409  # once per cycle
    report = json.loads(api.http.get("/reports/monthly?month=2026-11", headers=STAFF).body)["total"]
    assert (report["surveys"], report["customer_surveys"], report["staff_surveys"]) == (1, 1, 0)
    assert report["customer_satisfied_pct"] == 100.0
    _, text, _ = page(api, path)
    assert "您确认问题已解决" in text
    assert "★★★★★" in text
    assert "感谢您的评价" in text


def test_no_reopens_it_with_the_customers_reason_and_a_new_cycle_owes_a_new_survey(world: World, api: Any) -> None:
    complaint_id, path = resolved(world, api)
    _, _, csrf = page(api, path)
    refused = refusal(api, path + "/confirm", "answer=no&reason=", csrf)
    assert "请检查您填写的内容：请告诉我们还有什么问题" in refused
    assert "reason" not in refused
    assert (
        send(api, path + "/confirm", "answer=no&reason=%E8%BF%98%E6%98%AF%E5%9D%8F%E7%9A%84", csrf).status_code == 303
    )
    trail = json.loads(api.http.get(f"/complaints/{complaint_id}/events", headers=STAFF).body)["items"]
    [reopened] = [event for event in trail if event["type"] == "reopen"]
    assert (reopened["by"], reopened["details"].get("note")) == ("customer", "还是坏的")
    told = [n for n in world.notifier.published if n.complaint_id == complaint_id and n.about == "reopen"]
    assert sorted(n.audience for n in told) == ["assignee", "on_call"]  # the people on it hear the customer's "no"
    staff(api, complaint_id, {"type": "resolve", "by": "li.lei"})
    staff(api, complaint_id, {"type": "confirm", "by": "li.lei"})
    staff(api, complaint_id, {"type": "satisfaction", "score": 3})
    report = json.loads(api.http.get("/reports/monthly?month=2026-11", headers=STAFF).body)["total"]
    assert (report["customer_surveys"], report["staff_surveys"], report["staff_satisfaction_average"]) == (0, 1, 3.0)
    assert send(api, path + "/survey", "rating=5", csrf).status_code == 409  # staff recorded this cycle's survey


@pytest.mark.parametrize("cookie", ["", "r_csrf=other-value"])
def test_a_form_without_its_csrf_token_does_nothing(world: World, api: Any, cookie: str) -> None:
    complaint_id, path = resolved(world, api)
    page(api, path)
    response = api.http.post(path + "/confirm", body="csrf=forged&answer=yes", headers={**FORM, "Cookie": cookie})
    assert response.status_code == 403
    assert json.loads(api.http.get(f"/complaints/{complaint_id}", headers=STAFF).body)["status"] == "resolved"


def test_confirming_what_is_not_resolved_is_a_409_page(world: World, api: Any) -> None:
    _, path = opened(world, api)
    _, _, csrf = page(api, path)
    assert send(api, path + "/confirm", "answer=yes", csrf).status_code == 409


def test_a_refused_answer_says_in_words_what_to_correct(world: World, api: Any) -> None:
    _, path = resolved(world, api)
    _, _, csrf = page(api, path)
    assert "请选择“是的，已解决”或“没有，还没解决”" in refusal(api, path + "/confirm", "reason=x", csrf)
    stars = refusal(api, path + "/survey", "rating=9", csrf)
    assert "请选择 1 到 5 星" in stars
    assert "choose 1 to 5 stars" not in stars  # the API's English, never shown to the customer


NOT_A_FORM = {
    "over the limit": (
        413,
        "您提交的内容过长，未能保存。请缩短后再提交。",
        "What you sent is too long, so it was not saved. Please shorten it and send again.",
    ),
    "json": (
        415,
        "提交的内容不是网页表单，未能保存。请在本页面填写后提交。",
        "What was sent is not a form from this page, so it was not saved. Please fill in the form on the page.",
    ),
    "a field twice": (
        400,
        "表单中有一项内容提交了两次，未能保存。请刷新页面后重新提交。",
        "The form gave one answer twice, so it was not saved. Reload the page and send again.",
    ),
    "more fields than a form has": (
        400,
        "表单内容无法读取，未能保存。请刷新页面后重新提交。",
        "The form could not be read, so it was not saved. Reload the page and send again.",
    ),
}


def unreadable(kind: str, csrf: str) -> tuple[bytes, str]:
    """An answer the page's form would never send: `kind` of `NOT_A_FORM`."""
    if kind == "over the limit":
        return f"csrf={csrf}&answer=no&reason={'x' * 70_000}".encode(), FORM["Content-Type"]
    if kind == "json":
        return json.dumps({"csrf": csrf, "answer": "yes"}).encode(), "application/json"
    if kind == "more fields than a form has":  # the page's forms have a few; 10 at most are read
        return (f"csrf={csrf}&answer=yes&" + "&".join(f"f{n}=x" for n in range(9))).encode(), FORM["Content-Type"]
    return f"csrf={csrf}&answer=yes&answer=no".encode(), FORM["Content-Type"]


@pytest.mark.parametrize("kind", sorted(NOT_A_FORM))
def test_an_answer_over_the_limit_not_a_form_or_with_a_field_twice_is_refused_in_words_and_changes_nothing(
    world: World, api: Any, kind: str
) -> None:
    complaint_id, path = resolved(world, api)
    status, chinese, english = NOT_A_FORM[kind]
    for language, words in (("zh-CN", chinese), ("en", english)):
        _, _, csrf = page(api, path, language)
        body, content_type = unreadable(kind, csrf)
        before = world.stored()
        refused = api.http.post(
            path + "/confirm",
            body=body,
            headers={"Content-Type": content_type, "Cookie": f"r_csrf={csrf}", "Accept-Language": language},
        )
        assert refused.status_code == status
        assert refused.headers["Content-Type"] == "text/html; charset=utf-8"
        assert words in refused.body.decode()
        assert "页面已过期" not in refused.body.decode()
        assert world.stored() == before
    assert json.loads(api.http.get(f"/complaints/{complaint_id}", headers=STAFF).body)["status"] == "resolved"


def promise_lines(text: str) -> list[str]:
    """The promises of a page, one per line as the customer reads it (marks included, markup dropped)."""
    listed = re.search(r'<ul class="promises">(.*?)</ul>', text, re.S)
    assert listed is not None
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", listed.group(1), re.S)]


def test_a_promise_met_after_its_deadline_says_so_and_carries_no_tick(world: World, api: Any) -> None:
    complaint_id, path = opened(world, api)
    world.at(NOW + timedelta(hours=2, minutes=10))  # the 2-hour first response, 10 minutes late
    staff(api, complaint_id, {"type": "respond"})
    _, text, _ = page(api, path)
    assert promise_lines(text)[0] == "我们将在 2 小时内回复您（最迟 11月23日 14:00） 已完成（晚于承诺）"
    assert "✓" not in text
    assert "已做到" not in text
    _, text, _ = page(api, path, "en")
    assert promise_lines(text)[0].endswith("Done, later than promised")
    assert "✓" not in text


def test_a_promise_met_in_time_keeps_its_tick(world: World, api: Any) -> None:
    complaint_id, path = opened(world, api)
    world.at(NOW + timedelta(minutes=10))
    staff(api, complaint_id, {"type": "respond"})
    _, text, _ = page(api, path)
    assert promise_lines(text)[0] == "我们将在 2 小时内回复您（最迟 11月23日 14:00） ✓ 已做到"
    _, text, _ = page(api, path, "en")
    assert promise_lines(text)[0].endswith("✓ Done")


def test_a_visit_the_confirmation_ended_without_it_claims_nothing(world: World, api: Any) -> None:
    world.at(NOW)
    created = relay(api, {**URGENT, "category": "product_quality"})
    assert created.status_code == 201, created.body
    body = json.loads(created.body)
    path = "/r/" + body["receipt_url"].rsplit("/", 1)[1]
    world.at(NOW + timedelta(minutes=10))
    staff(api, body["id"], {"type": "respond"})
    staff(api, body["id"], {"type": "resolve", "by": "li.lei"})
    staff(api, body["id"], {"type": "confirm", "by": "li.lei"})  # no site visit was ever made
    _, text, _ = page(api, path)
    [visit] = [line for line in promise_lines(text) if line.startswith("如需上门")]
    assert (
        visit == "如需上门，我们将在 3 小时（工作时间）内到达（最迟 11月23日 16:30）"
    )  # a lunch break in the office hours
    assert [line.endswith("✓ 已做到") for line in promise_lines(text)].count(True) == 2  # response, resolution


def test_a_promise_still_open_past_its_deadline_is_owned_not_promised(world: World, api: Any) -> None:
    _, path = opened(world, api)
    world.at(NOW + timedelta(hours=3))
    _, text, _ = page(api, path)
    assert promise_lines(text)[0] == "我们已超过承诺的 2 小时回复时限，正在尽快处理"
    assert "最迟 11月23日 14:00" not in text
    _, text, _ = page(api, path, "en")
    assert promise_lines(text)[0] == (
        "We have gone past the 2 h we promised for our reply, and are dealing with it as fast as we can"
    )


def test_a_promise_paused_while_we_wait_on_the_customer_is_not_said_to_be_overdue(world: World, api: Any) -> None:
    complaint_id, path = opened(world, api)
    world.at(NOW + timedelta(hours=3))
    staff(api, complaint_id, {"type": "pause", "reason": "waiting_on_customer", "note": "等客户提供发票"})
    world.at(NOW + timedelta(days=5))  # past the resolution's deadline, which moves only when the clock resumes
    _, text, _ = page(api, path)
    assert promise_lines(text)[1] == "我们将在 2 天内解决您的问题（等待您提供信息期间，计时暂停，恢复后时限顺延）"
    _, text, _ = page(api, path, "en")
    assert promise_lines(text)[1] == (
        "We will solve the problem within 2 d (the clock is paused while we wait for you; the time is extended when"
        " it resumes)"
    )  # neither overdue nor a time already past
