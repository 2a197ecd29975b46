"""A month of simulated complaints -> the monthly report: the JSON, the CSV and the email agree with each other
and with a rebuild from the audit trail; malformed and future months are refused."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.domain.report_render import CSV_COLUMNS
from tests.conftest import STAFF, World
from tests.intake import relay
from tests.integration.helpers import invoke

SHANGHAI = ZoneInfo("Asia/Shanghai")
PRIORITIES = ("urgent", "important", "general")
CATEGORIES = ("service", "staff", "product_quality")
CHANNELS = ("web_form", "phone", "email")


def act(api: Any, complaint_id: str, body: dict[str, Any]) -> None:
    response = api.http.post(
        f"/complaints/{complaint_id}/events",
        headers={"Content-Type": "application/json", **STAFF},
        body=json.dumps(body).encode(),
    )
    assert response.status_code == 200, response.body


def simulate_october(world: World, api: Any) -> int:
    """Complaints every other day of October 2026, handled quickly or late, some surveyed; returns how many."""
    count = 0
    for day in range(1, 31, 2):
        for number in range(3):
            received = datetime(2026, 10, day, 9 + number * 3, 15, tzinfo=SHANGHAI)
            world.at(received)
            payload = {
                "customer_name": f"客户{count}",
                "customer_email": "unhappy@example.com" if count % 7 == 0 else f"c{count}@example.com",
                "category": CATEGORIES[count % 3],
                "priority": PRIORITIES[(count // 3) % 3],
                "channel": CHANNELS[(count // 2) % 3],
                "subject": f"投诉 {count}",
            }
            response = relay(api, payload)  # a signed source may set the priority and the channel
            assert response.status_code == 201
            complaint_id = json.loads(response.body)["id"]
            count += 1
            late = count % 4 == 0
            world.at(received + timedelta(minutes=80 if late else 10))
            invoke(api, "scan_due")
            act(api, complaint_id, {"type": "respond"})
            world.at(received + timedelta(hours=30 if late else 1))
            invoke(api, "scan_due")
            act(api, complaint_id, {"type": "resolve"})
            if count % 3:
                act(api, complaint_id, {"type": "confirm"})
                score = 1 if payload["customer_email"] == "unhappy@example.com" else 3 + count % 3
                act(api, complaint_id, {"type": "satisfaction", "score": score})
    return count


def report(api: Any, query: str, headers: dict[str, str] | None = None) -> Any:
    return api.http.get(f"/reports/monthly?{query}", headers={**STAFF, **(headers or {})})


def test_a_month_of_complaints_reports_the_same_everywhere(
    world: World, api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    received = simulate_october(world, api)
    world.at(datetime(2026, 11, 1, 9, 0, 5, tzinfo=SHANGHAI))
    live = json.loads(report(api, "month=2026-10").body)
    assert live["total"]["received"] == received
    assert sum(line["received"] for line in live["category"].values()) == received
    assert live["total"]["responded"] == received
    assert 0 < live["total"]["responded_within_sla_pct"] < 100
    assert live["total"]["breaches"]["first_response"]["major"] > 0  # urgent, answered after 80 minutes
    assert live["total"]["breaches"]["resolution"]["minor"] > 0  # important, solved after 30 hours
    assert live["total"]["first_response_p50_seconds"] <= live["total"]["first_response_p90_seconds"]
    assert live["total"]["surveys"] > 0
    assert live["total"]["satisfaction_pass"] is (live["total"]["satisfied_pct"] >= 85)
    assert [c["low_scores"] for c in live["customers_flagged"]] == [live["customers_flagged"][0]["surveys"]]
    assert live["customers_flagged"][0]["low_scores"] >= 3
    assert "unhappy" not in json.dumps(live)

    as_csv = report(api, "month=2026-10&format=csv")
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    assert report(api, "month=2026-10", {"Accept": "text/csv"}).body == as_csv.body
    rows = list(csv.DictReader(io.StringIO(as_csv.body.decode())))
    assert tuple(rows[0]) == CSV_COLUMNS
    total = next(row for row in rows if row["dimension"] == "total")
    assert int(total["received"]) == received
    assert float(total["responded_within_sla_pct"]) == live["total"]["responded_within_sla_pct"]
    for row in rows:
        if row["dimension"] != "total":
            assert int(row["received"]) == live[row["dimension"]][row["value"]]["received"]

    invoke(api, "send_monthly_report")
    invoke(api, "send_monthly_report")  # a retried invocation sends nothing more
    messages = [
        email.message_from_string(m.raw_data, policy=email.policy.default)
        for m in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    ]
    sent = [m for m in messages if "monthly#2026-10" in str(m["Message-ID"])]
    assert len(sent) == 1
    message = sent[0]
    assert str(message["Subject"]).startswith(f"【服务质量月报 2026-10】{received} 件投诉")
    attachment = next(part for part in message.iter_attachments())
    assert attachment.get_filename() == "service-quality-2026-10.csv"
    assert attachment.get_content().replace("\r\n", "\n") == as_csv.body.decode().replace("\r\n", "\n")
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "<svg" not in html
    assert f"投诉数：{received}" in text
    assert f">{received}</td>" in html
    assert f"{live['total']['responded_within_sla_pct']}%" in text
    assert f"{live['total']['responded_within_sla_pct']}%" in html
    assert "True" not in html
    assert "False" not in html
    assert str(live["total"]["first_response_p90_seconds"]) not in html, "durations in hours and minutes"
    # the customer who may terminate: named by the month's complaints in the console, never by the pseudonym
    flagged = live["customers_flagged"][0]
    assert flagged["customer"] not in html
    unhappy = [number for number in range(received) if number % 7 == 0]
    for number in unhappy:
        assert f">投诉 {number}</a>" in html
        assert f"  - 投诉 {number}: http://127.0.0.1:8000/console/complaints/" in text
    assert html.count("/console/complaints/") == len(unhappy)

    rebuilt = world.services.reports.recompute("2026-10")
    assert rebuilt == live
    assert json.loads(report(api, "month=2026-10").body) == live


@pytest.mark.parametrize("month", ["2026-13", "26-10", "2026-1", "", "2099-01", "2026-10' OR 1=1"])
def test_malformed_or_future_months_are_refused(world: World, api: Any, month: str) -> None:
    world.at(datetime(2026, 11, 22, 12, 0, tzinfo=SHANGHAI))
    response = report(api, f"month={month}")
    assert response.status_code == 422
    assert json.loads(response.body)["errors"][0]["field"] == "month"


def test_a_report_needs_a_staff_token(api: Any) -> None:
    assert api.http.get("/reports/monthly?month=2026-10").status_code == 401
