"""The five commitment letters as policy files (chalicelib/policy/letters/): each loads, each target cites its letter
and clause, and complaints received on a working afternoon, before a weekend and before a holiday get the deadlines
the letter's text implies, worked out by hand below (office calendar: Mon-Fri 09:00-12:00 and 13:30-18:00, China's
holidays; 1 working day = 7.5 working hours; 24x7 counts every hour).

The three moments: Tue 2026-11-17 14:00 (a working afternoon), Fri 2026-11-20 17:00 (an hour before the weekend),
Wed 2026-09-30 17:00 (an hour before National Day, 1-7 October 2026 off)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.intake import validate_submission
from chalicelib.domain.model import Complaint
from chalicelib.domain.opening import build_complaint
from chalicelib.domain.policy import PolicySet, parse_policy

SH = ZoneInfo("Asia/Shanghai")
LETTERS = Path(__file__).resolve().parents[2] / "chalicelib" / "policy" / "letters"
FILES = {
    "000": "customer-relations.yaml",
    "001": "complaint-handling.yaml",
    "002": "online-service.yaml",
    "003": "after-sales.yaml",
    "004": "service-contract.yaml",
}


def sh(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


AFTERNOON, WEEKEND, HOLIDAY = sh(11, 17, 14), sh(11, 20, 17), sh(9, 30, 17)


def letter(number: str) -> PolicySet:
    path = LETTERS / FILES[number]
    return parse_policy(path.read_text(encoding="utf-8"), str(path))


def received(policies: PolicySet, at: datetime, **fields: Any) -> Complaint:
    data = {"customer_name": "客户", "customer_phone": "13800138000", "category": "service", "subject": "投诉"}
    submission = validate_submission({**data, **fields, "received_at": at.isoformat()}, at)
    return build_complaint(submission, policies, "c" * 32, at, "test")


def deadlines(complaint: Complaint) -> dict[str, datetime]:
    return {
        name: clock.cycle.deadline.astimezone(SH)
        for name, clock in complaint.clocks.items()
        if clock.cycle is not None and clock.cycle.deadline is not None
    }


def test_the_letters_directory_holds_one_file_per_letter() -> None:
    assert sorted(path.name for path in LETTERS.glob("*.yaml")) == sorted(FILES.values())


@pytest.mark.parametrize("number", sorted(FILES))
def test_every_target_cites_its_letter_and_clause(number: str) -> None:
    lines = (LETTERS / FILES[number]).read_text(encoding="utf-8").splitlines()
    clause = re.compile(r"#.*(篇|[一二三四五六七八九十]\(|[0-9]\.[0-9])")
    uncited = [
        line.strip()
        for index, line in enumerate(lines)
        if "target:" in line and not (clause.search(line) or clause.search(lines[index - 1]))
    ]
    assert uncited == []
    assert letter(number).file.policies  # and it loads


# ----- 000 customer-relations: 7x24, 30 min first response, 2 h plan, suggestions answered in 30 days -----


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (AFTERNOON, {"first_response": sh(11, 17, 14, 30), "plan": sh(11, 17, 16)}),
        (WEEKEND, {"first_response": sh(11, 20, 17, 30), "plan": sh(11, 20, 19)}),
        (HOLIDAY, {"first_response": sh(9, 30, 17, 30), "plan": sh(9, 30, 19)}),  # 7x24: holidays count
    ],
)
def test_customer_relations_complaints(at: datetime, expected: dict[str, datetime]) -> None:
    assert deadlines(received(letter("000"), at)) == expected


@pytest.mark.parametrize(
    ("at", "answered_by"),
    [(AFTERNOON, sh(12, 17, 14)), (WEEKEND, sh(12, 20, 17)), (HOLIDAY, sh(10, 30, 17))],
)
def test_customer_relations_suggestions_are_answered_within_30_days(at: datetime, answered_by: datetime) -> None:
    complaint = received(letter("000"), at, category="suggestion")
    assert deadlines(complaint) == {"first_response": sh(at.month, at.day, at.hour, 30), "resolution": answered_by}
    assert complaint.policy.name == "customer-relations-suggestion"


# ----- 001 complaint-handling -----


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # 2 h reply and half a month on 24x7; hand-off within 2 working hours
        (AFTERNOON, {"first_response": sh(11, 17, 16), "resolution": sh(12, 2, 14), "handoff": sh(11, 17, 16)}),
        # Fri 17:00-18:00, then Mon 09:00-10:00
        (WEEKEND, {"first_response": sh(11, 20, 19), "resolution": sh(12, 5, 17), "handoff": sh(11, 23, 10)}),
        # Wed 17:00-18:00, National Day off, then Thu 8 October 09:00-10:00
        (HOLIDAY, {"first_response": sh(9, 30, 19), "resolution": sh(10, 15, 17), "handoff": sh(10, 8, 10)}),
    ],
)
def test_complaint_handling_service_complaints(at: datetime, expected: dict[str, datetime]) -> None:
    assert deadlines(received(letter("001"), at)) == expected


@pytest.mark.parametrize(
    ("at", "site_visit"),
    [(AFTERNOON, sh(11, 17, 17)), (WEEKEND, sh(11, 23, 11)), (HOLIDAY, sh(10, 8, 11))],  # 3 working hours
)
def test_complaint_handling_product_quality_gets_the_regional_manager_on_site(
    at: datetime, site_visit: datetime
) -> None:
    found = deadlines(received(letter("001"), at, category="product_quality"))
    assert found["site_visit"] == site_visit
    assert "handoff" not in found  # 5.3.1(4) is the service procedure's


@pytest.mark.parametrize(
    ("at", "approval", "reply"),
    [
        (AFTERNOON, sh(11, 18, 14), sh(11, 18, 14)),  # Tue 14-18 (4 h), Wed 9-12 (3 h), 13:30-14:00
        (WEEKEND, sh(11, 23, 17), sh(11, 21, 17)),  # Fri 17-18, Mon 9-12, 13:30-17:00; reply Saturday
        (HOLIDAY, sh(10, 8, 17), sh(10, 1, 17)),  # Wed 17-18, then Thu 8 October; reply on National Day
    ],
)
def test_complaint_handling_cross_department_goes_to_the_director_in_a_working_day_and_gets_a_reply_in_24h(
    at: datetime, approval: datetime, reply: datetime
) -> None:
    found = deadlines(received(letter("001"), at, cross_department="true"))
    assert (found["approval"], found["reply"]) == (approval, reply)


@pytest.mark.parametrize(
    ("at", "reply", "dispatch"),
    [
        (AFTERNOON, sh(11, 18, 14), sh(11, 19, 14)),
        (WEEKEND, sh(11, 21, 17), sh(11, 22, 17)),
        (HOLIDAY, sh(10, 1, 17), sh(10, 2, 17)),
    ],
)
def test_complaint_handling_warranty_replies_in_24h_and_dispatches_an_engineer_in_48h(
    at: datetime, reply: datetime, dispatch: datetime
) -> None:
    found = deadlines(received(letter("001"), at, warranty="是", category="product_quality"))
    assert (found["reply"], found["dispatch"]) == (reply, dispatch)


def test_complaint_handling_answer_clock_waits_for_the_approval() -> None:
    complaint = received(letter("001"), AFTERNOON)
    assert complaint.clocks["answer"].cycle is None


# ----- 002 online-service: 30 min response; general solved in 2 h, complex a first solution in 4 h -----


@pytest.mark.parametrize(
    ("at", "complexity", "expected"),
    [
        (AFTERNOON, "general", {"first_response": sh(11, 17, 14, 30), "resolution": sh(11, 17, 16)}),
        (AFTERNOON, "complex", {"first_response": sh(11, 17, 14, 30), "plan": sh(11, 17, 18)}),
        (WEEKEND, "general", {"first_response": sh(11, 20, 17, 30), "resolution": sh(11, 20, 19)}),
        (WEEKEND, "complex", {"first_response": sh(11, 20, 17, 30), "plan": sh(11, 20, 21)}),
        (HOLIDAY, "general", {"first_response": sh(9, 30, 17, 30), "resolution": sh(9, 30, 19)}),
        (HOLIDAY, "complex", {"first_response": sh(9, 30, 17, 30), "plan": sh(9, 30, 21)}),
    ],
)
def test_online_service(at: datetime, complexity: str, expected: dict[str, datetime]) -> None:
    assert deadlines(received(letter("002"), at, complexity=complexity)) == expected


def test_online_service_breach_grades_are_the_letters() -> None:
    """4.1: response over 30 min but not over 1 h, completion over 2 h but not over 4 h is minor; 4.2: beyond, major."""
    complaint = received(letter("002"), AFTERNOON)
    first, solved = complaint.clocks["first_response"].cycle, complaint.clocks["resolution"].cycle
    assert first is not None
    assert solved is not None
    assert (first.deadline, first.major_at) == (sh(11, 17, 14, 30), sh(11, 17, 15))
    assert (solved.deadline, solved.major_at) == (sh(11, 17, 16), sh(11, 17, 18))


# ----- 003 after-sales -----


@pytest.mark.parametrize(
    ("at", "complexity", "expected"),
    [
        # handoff: 1 working day (7.5 h): Tue 14-18, Wed 9-12, Wed 13:30-14:00
        (
            AFTERNOON,
            "general",
            {"first_response": sh(11, 17, 14, 30), "handoff": sh(11, 18, 14), "plan": sh(11, 18, 14)},
        ),
        (
            AFTERNOON,
            "complex",
            {
                "first_response": sh(11, 17, 16),
                "handoff": sh(11, 18, 14),
                "plan": sh(11, 19, 14),
                "progress_update": sh(11, 18, 14),
            },
        ),
        # Fri 17-18, Mon 9-12, Mon 13:30-17:00
        (WEEKEND, "general", {"first_response": sh(11, 20, 17, 30), "handoff": sh(11, 23, 17), "plan": sh(11, 21, 17)}),
        (
            WEEKEND,
            "complex",
            {
                "first_response": sh(11, 20, 19),
                "handoff": sh(11, 23, 17),
                "plan": sh(11, 22, 17),
                "progress_update": sh(11, 21, 17),
            },
        ),
        # Wed 17-18, then Thu 8 October 9-12, 13:30-17:00
        (HOLIDAY, "general", {"first_response": sh(9, 30, 17, 30), "handoff": sh(10, 8, 17), "plan": sh(10, 1, 17)}),
    ],
)
def test_after_sales(at: datetime, complexity: str, expected: dict[str, datetime]) -> None:
    assert deadlines(received(letter("003"), at, complexity=complexity)) == expected


# ----- 004 service-contract: a solution within 48 h -----


@pytest.mark.parametrize(
    ("at", "plan"), [(AFTERNOON, sh(11, 19, 14)), (WEEKEND, sh(11, 22, 17)), (HOLIDAY, sh(10, 2, 17))]
)
def test_service_contract(at: datetime, plan: datetime) -> None:
    assert deadlines(received(letter("004"), at)) == {"plan": plan}


# ----- the satisfaction rule each letter carries -----


def test_satisfaction_rules_are_the_letters() -> None:
    relations = letter("000").file.satisfaction
    assert relations.pass_mark == 85  # 000 letter 5 二.2
    handling = letter("001").file.satisfaction
    assert (handling.low_under, handling.low_surveys) == (60, 3)  # 001 part 8
    assert [score for score in range(1, 6) if handling.low(score)] == [1, 2]  # under 60% of 5
    assert [score for score in range(1, 6) if handling.satisfied(score)] == [4, 5]
