"""The commitment letters at work, on the twins: each letter's policy file (SLA_POLICY_FILE) with complaints received
on a working afternoon or before a weekend, the staff events the letter names, and the notices the letter's text
implies at each scan, worked out by hand here. Event notices (a policy's `notify`) travel the breach notices' path:
claimed in the intake's or the event's own write, published right after, the scanner publishing what was not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.errors import Conflict, InvalidFields
from chalicelib.domain.model import Complaint
from chalicelib.services.intake import Delivery
from tests.conftest import World

SH = ZoneInfo("Asia/Shanghai")
LETTERS = Path(__file__).resolve().parents[2] / "chalicelib" / "policy" / "letters"
PLENTY = 600.0
Heard = set[tuple[str, str, str]]
Letter = Callable[[str], None]


def sh(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


AFTERNOON, WEEKEND = sh(11, 17, 14), sh(11, 20, 17)


@pytest.fixture
def letter(world: World) -> Callable[[str], None]:
    """Switch the world to a letter's policy file (as SLA_POLICY_FILE would)."""

    def use(name: str) -> None:
        world.reconfigure(sla_policy_file=LETTERS / name)

    return use


def receive(world: World, at: datetime, external_id: str | None = None, **fields: Any) -> str:
    data = {
        "customer_name": "客户甲",
        "customer_phone": "13800138000",
        "category": "service",
        "subject": "投诉",
        "received_at": at.isoformat(),
        "external_id": external_id,
        **fields,
    }
    world.at(at)
    return world.services.intake.open(data, Delivery("relay"), at).complaint.id


def staff(world: World, complaint_id: str, at: datetime, kind: str, **fields: Any) -> Complaint:
    world.at(at)
    return world.services.workflow.record(complaint_id, {"type": kind, "by": "li.lei", **fields}, None, at, "li.lei")[0]


def scan(world: World, at: datetime) -> None:
    world.services.scanner.run(at, lambda: PLENTY)


class Mute:
    """A publisher that says what is owed but dies before delivering it (as a function killed after its write)."""

    def __init__(self, world: World) -> None:
        self._real = world.services.intake.publisher

    def owed_on(self, *args: Any, **kwargs: Any) -> Any:
        return self._real.owed_on(*args, **kwargs)

    def deliver_written(self, outbox: Any, now: datetime) -> None:
        return None


def heard(world: World) -> Heard:
    """(what, level, audience) of every notice published since the last call: a clock or the event reported."""
    found = {(notice.about, notice.level.value, notice.audience.value) for notice in world.notifier.published}
    world.notifier.published.clear()
    return found


def deadline(world: World, complaint_id: str, clock: str) -> datetime:
    complaint = world.adapters.complaints.get(complaint_id)
    assert complaint is not None
    cycle = complaint.clocks[clock].cycle
    assert cycle is not None
    assert cycle.deadline is not None
    return cycle.deadline.astimezone(SH)


def state(world: World, complaint_id: str, clock: str) -> str:
    complaint = world.adapters.complaints.get(complaint_id)
    assert complaint is not None
    cycle = complaint.clocks[clock].cycle
    return "not started" if cycle is None else cycle.state.value


# ----- 001 complaint-handling -----


def test_every_product_quality_complaint_is_reported_on_intake_once_and_is_no_breach(
    world: World, letter: Letter
) -> None:
    letter("complaint-handling.yaml")
    complaint_id = receive(world, AFTERNOON, external_id="form-1", category="product_quality")
    assert heard(world) == {("received", "report", "management_rep"), ("received", "report", "general_manager")}
    assert receive(world, AFTERNOON, external_id="form-1", category="product_quality") == complaint_id  # repeat
    scan(world, AFTERNOON + timedelta(minutes=1))
    scan(world, AFTERNOON + timedelta(minutes=10))  # past the claim's lease: nothing is pending
    assert heard(world) == set()
    trail = world.adapters.complaints.trail(complaint_id)
    reports = [event for event in trail if event.type == "notice"]
    assert [(event.by, event.details["event"], event.details["level"]) for event in reports] == [
        ("notify", "received", "report"),
        ("notify", "received", "report"),
    ]
    assert [event.sequence for event in trail] == [1, 2, 3]
    month = world.adapters.reports.rows("2026-11")["all#all"]
    assert month == {"received": 1}  # no breach counted


def test_a_report_sns_refuses_is_published_once_by_a_later_scan(world: World, letter: Letter) -> None:
    letter("complaint-handling.yaml")
    world.notifier.failing = True
    complaint_id = receive(world, AFTERNOON, category="product_quality")
    assert heard(world) == set()
    world.notifier.failing = False
    scan(world, AFTERNOON + timedelta(minutes=1))
    assert heard(world) == {("received", "report", "management_rep"), ("received", "report", "general_manager")}
    scan(world, AFTERNOON + timedelta(minutes=2))
    assert heard(world) == set()
    assert world.adapters.complaints.get(complaint_id) is not None


def test_a_report_whose_publisher_died_is_published_by_the_scanner_after_its_lease(
    world: World, letter: Letter, monkeypatch: pytest.MonkeyPatch
) -> None:
    letter("complaint-handling.yaml")
    monkeypatch.setattr(world.services.intake, "publisher", Mute(world))  # it died before publishing
    receive(world, AFTERNOON, category="product_quality")
    scan(world, AFTERNOON + timedelta(minutes=4))
    assert heard(world) == set()  # still leased to the intake that claimed it
    scan(world, AFTERNOON + timedelta(minutes=5))
    assert heard(world) == {("received", "report", "management_rep"), ("received", "report", "general_manager")}


def test_a_cross_department_complaint_goes_to_the_director_and_is_answered_after_approval(
    world: World, letter: Letter
) -> None:
    letter("complaint-handling.yaml")
    complaint_id = receive(world, WEEKEND, cross_department=True)  # Friday 17:00
    assert heard(world) == {("received", "report", "marketing_director")}  # 5.3.1(2)
    assert deadline(world, complaint_id, "handoff") == sh(11, 23, 10)  # 2 working hours: Fri 17-18, Mon 9-10
    assert deadline(world, complaint_id, "approval") == sh(11, 23, 17)  # 1 working day: Fri 17-18, Mon 9-12, 13:30-17
    assert deadline(world, complaint_id, "reply") == sh(11, 21, 17)  # 24 h: Saturday
    staff(world, complaint_id, sh(11, 20, 17, 10), "respond")
    scan(world, sh(11, 21, 18))  # Saturday 18:00: the reply is an hour late
    assert heard(world) == {("reply", "minor", "on_call"), ("reply", "minor", "regional_manager")}
    staff(world, complaint_id, sh(11, 23, 9, 20), "handoff", department="品管部")
    approved = staff(world, complaint_id, sh(11, 23, 16), "approve", note="营销总监审批: 更换新品")
    answer = approved.clocks["answer"].cycle
    assert answer is not None
    assert answer.deadline == sh(11, 23, 17)  # 1 working hour after the approval (5.3.1(6))
    staff(world, complaint_id, sh(11, 23, 16, 30), "reply", note="已电话答复客户")
    assert [state(world, complaint_id, name) for name in ("handoff", "approval", "answer", "reply")] == [
        "met",
        "met",
        "met",
        "breached",
    ]
    resolves = {(n.about, n.type.value, n.audience.value) for n in world.notifier.published}
    assert resolves == {
        ("reply", "resolved", "assignee"),
        ("reply", "resolved", "on_call"),
        ("reply", "resolved", "regional_manager"),
    }
    world.notifier.published.clear()
    scan(world, sh(11, 23, 18))
    assert heard(world) == set()


def test_a_site_visit_in_a_remote_area_is_agreed_with_the_customer_and_watched_at_the_agreed_time(
    world: World, letter: Letter
) -> None:
    letter("complaint-handling.yaml")
    complaint_id = receive(world, AFTERNOON, category="product_quality", warranty="yes", remote_area="是")
    assert heard(world) == {
        ("received", "report", "management_rep"),
        ("received", "report", "general_manager"),
        ("received", "report", "regional_manager"),  # agree the on-site time (part 4, remark)
    }
    assert deadline(world, complaint_id, "site_visit") == sh(11, 17, 17)
    assert deadline(world, complaint_id, "dispatch") == sh(11, 19, 14)  # 48 h
    staff(world, complaint_id, sh(11, 17, 14, 30), "respond")
    staff(world, complaint_id, sh(11, 17, 15), "reply", note="已答复")
    agreed = staff(
        world, complaint_id, sh(11, 17, 15), "agree", clock="site_visit", deadline=sh(11, 18, 10).isoformat(),
        note="偏远地区，客户同意明早十点到达",
    )  # fmt: skip
    visit = agreed.clocks["site_visit"].cycle
    assert visit is not None
    assert visit.deadline == sh(11, 18, 10)
    assert visit.agreement is not None
    scan(world, sh(11, 17, 17, 30))  # the letter's 3 working hours have passed: the agreed time stands
    assert heard(world) == set()
    scan(world, sh(11, 18, 10, 1))
    assert heard(world) == {
        ("site_visit", "minor", "on_call"),
        ("site_visit", "minor", "regional_manager"),
        ("site_visit", "minor", "management_rep"),
        ("site_visit", "minor", "general_manager"),
    }
    [agreement] = [e for e in world.adapters.complaints.trail(complaint_id) if e.type == "agree"]
    assert agreement.details["deadline_before"] == "2026-11-17T17:00:00+08:00"
    assert agreement.details["deadline"] == "2026-11-18T10:00:00+08:00"
    assert agreement.details["note"] == "偏远地区，客户同意明早十点到达"


def test_an_agreement_after_the_deadline_is_refused(world: World, letter: Letter) -> None:
    letter("complaint-handling.yaml")
    complaint_id = receive(world, AFTERNOON, category="product_quality")
    with pytest.raises(Conflict, match="deadline passed"):
        staff(world, complaint_id, sh(11, 17, 17, 5), "agree", clock="site_visit", deadline=sh(11, 18, 10).isoformat(),
              note="too late")  # fmt: skip
    assert deadline(world, complaint_id, "site_visit") == sh(11, 17, 17)


def test_a_triage_rematches_the_policy_and_runs_the_new_clocks_from_receipt(world: World, letter: Letter) -> None:
    letter("complaint-handling.yaml")
    complaint_id = receive(world, AFTERNOON)  # a service complaint: a hand-off due 16:00
    heard(world)
    staff(world, complaint_id, sh(11, 17, 14, 30), "reply", note="已答复")
    triaged = staff(world, complaint_id, sh(11, 17, 15), "triage", category="product_quality", warranty=True)
    assert (triaged.category, triaged.warranty) == ("product_quality", True)
    assert heard(world) == {("triage", "report", "management_rep"), ("triage", "report", "general_manager")}
    assert deadline(world, complaint_id, "site_visit") == sh(11, 17, 17)  # 3 working hours from receipt
    assert deadline(world, complaint_id, "dispatch") == sh(11, 19, 14)  # 48 h from receipt
    assert state(world, complaint_id, "reply") == "met"  # the reply at 14:30, run through the trail
    assert state(world, complaint_id, "handoff") == "stopped"  # no longer the service procedure's
    [event] = [e for e in world.adapters.complaints.trail(complaint_id) if e.type == "triage"]
    assert event.details["category_before"] == "service"
    assert event.details["category"] == "product_quality"
    assert event.details["warranty"] == "true"
    again = staff(world, complaint_id, sh(11, 17, 15, 5), "triage", priority="urgent")
    assert again.priority == "urgent"
    assert heard(world) == set()  # already product quality: reported once
    with pytest.raises(InvalidFields):
        staff(world, complaint_id, sh(11, 17, 15, 6), "triage", priority="urgent")  # changes nothing


def test_a_clock_a_triage_adds_is_extended_by_the_pauses_it_would_have_had(world: World, letter: Letter) -> None:
    letter("complaint-handling.yaml")
    complaint_id = receive(world, AFTERNOON)
    staff(world, complaint_id, sh(11, 17, 14, 10), "pause", reason="force_majeure", note="台风", customer_informed=True)
    staff(world, complaint_id, sh(11, 17, 15, 10), "resume")
    staff(world, complaint_id, sh(11, 17, 15, 20), "triage", warranty=True)
    assert deadline(world, complaint_id, "dispatch") == sh(11, 19, 15)  # 48 h from receipt, plus the hour paused
    assert deadline(world, complaint_id, "reply") == sh(11, 18, 15)


def test_a_force_majeure_pause_says_whether_the_customer_was_told(world: World, letter: Letter) -> None:
    letter("complaint-handling.yaml")
    complaint_id = receive(world, AFTERNOON, warranty=True)
    with pytest.raises(InvalidFields) as refused:
        staff(world, complaint_id, sh(11, 17, 15), "pause", reason="force_majeure", note="台风")
    assert [error.field for error in refused.value.errors] == ["customer_informed"]
    with pytest.raises(InvalidFields):
        staff(
            world, complaint_id, sh(11, 17, 15), "pause", reason="force_majeure", note="台风", customer_informed=False
        )
    planned = sh(11, 17, 16).isoformat()
    staff(world, complaint_id, sh(11, 17, 15), "pause", reason="force_majeure", note="台风", customer_informed=planned)
    staff(world, complaint_id, sh(11, 17, 17), "resume")
    assert deadline(world, complaint_id, "dispatch") == sh(11, 19, 16)  # extended by the 2 h paused (part 4 三(3))
    [pause] = [e for e in world.adapters.complaints.trail(complaint_id) if e.type == "pause"]
    assert pause.details["customer_informed"] == planned


def test_three_low_surveys_flag_the_customer_by_the_letters_rule(world: World, letter: Letter) -> None:
    letter("complaint-handling.yaml")
    for number, score in enumerate((2, 3, 1, 2)):
        complaint_id = receive(world, AFTERNOON + timedelta(minutes=number))
        staff(world, complaint_id, sh(11, 17, 16), "resolve")
        staff(world, complaint_id, sh(11, 17, 17), "confirm")
        staff(world, complaint_id, sh(11, 17, 18), "satisfaction", score=score)
    report = world.services.reports.report("2026-11")
    [flagged] = report["customers_flagged"]
    assert (flagged["surveys"], flagged["low_scores"]) == (4, 3)  # 2, 1, 2 are under 60% of 5; 3 is not
    assert report["satisfaction_pass_mark_pct"] == 85.0
    assert report["total"]["satisfaction_pass"] is False


def test_the_monthly_report_names_a_flagged_customers_complaints_with_their_contact_details_masked(
    world: World, letter: Letter
) -> None:
    letter("complaint-handling.yaml")
    for number, score in enumerate((2, 1, 2)):
        complaint_id = receive(world, AFTERNOON + timedelta(minutes=number), subject="请回电 13900139000")
        staff(world, complaint_id, sh(11, 17, 16), "resolve")
        staff(world, complaint_id, sh(11, 17, 17), "confirm")
        staff(world, complaint_id, sh(11, 17, 18), "satisfaction", score=score)
    assert world.services.reports.send_monthly(sh(12, 1, 9)) == "2026-11"
    [sent] = [mail.email for mail in world.mailer.sent if mail.reference.startswith("monthly#")]
    assert "请回电" in sent.html
    assert "13900139000" not in sent.html
    assert "13900139000" not in sent.text


# ----- worked examples: the breach notices each letter's clocks raise, scan by scan -----

HOUSE_MINOR, HOUSE_MAJOR = ("on_call", "regional_manager"), ("marketing_director",)


def levels(world: World) -> set[tuple[str, str]]:
    return {(what, level) for what, level, _ in heard(world)}


@pytest.mark.parametrize(
    ("file", "fields", "scans"),
    [
        (  # 000 letter 5: response in 30 min, a plan in 2 h, 7x24
            "customer-relations.yaml",
            {},
            [
                (sh(11, 17, 14, 23), {("first_response", "warning")}),  # 75% of 30 min
                (sh(11, 17, 14, 31), {("first_response", "minor")}),
                (sh(11, 17, 15, 1), {("first_response", "major")}),
                (sh(11, 17, 15, 31), {("plan", "warning")}),
                (sh(11, 17, 16, 1), {("plan", "minor")}),
                (sh(11, 17, 18, 1), {("plan", "major")}),
            ],
        ),
        (  # 002 letter 1: 4.1 minor over 30 min / 2 h, 4.2 major over 1 h / 4 h
            "online-service.yaml",
            {},
            [
                (sh(11, 17, 14, 31), {("first_response", "minor")}),
                (sh(11, 17, 15, 1), {("first_response", "major")}),
                (sh(11, 17, 16, 1), {("resolution", "minor")}),  # the warning at 15:30 came with the minor
                (sh(11, 17, 18, 1), {("resolution", "major")}),
            ],
        ),
        (  # 003: complex: response in 2 h, hand-off in a working day, a plan in 48 h, progress every day
            "after-sales.yaml",
            {"complexity": "complex"},
            [
                (sh(11, 17, 16, 1), {("first_response", "minor")}),
                (sh(11, 17, 18, 1), {("first_response", "major")}),
                (sh(11, 18, 14, 1), {("handoff", "minor"), ("progress_update", "minor")}),
                (sh(11, 18, 18, 1), {("first_response", "escalation")}),  # a working day after its major breach
                (sh(11, 19, 14, 1), {("plan", "minor"), ("handoff", "major"), ("progress_update", "major")}),
            ],
        ),
        (  # 004: a solution within 48 h
            "service-contract.yaml",
            {},
            [
                (sh(11, 19, 2), {("plan", "warning")}),  # 36 h
                (sh(11, 19, 14, 1), {("plan", "minor")}),
                (sh(11, 21, 14, 1), {("plan", "major")}),
            ],
        ),
    ],
)
def test_each_letters_clocks_raise_the_notices_its_text_implies(
    world: World, letter: Letter, file: str, fields: dict[str, Any], scans: list[tuple[datetime, set[Any]]]
) -> None:
    letter(file)
    receive(world, AFTERNOON, **fields)
    heard(world)
    for moment, expected in scans:
        scan(world, moment)
        assert levels(world) == expected, moment
    scan(world, scans[-1][0] + timedelta(minutes=1))
    assert heard(world) == set()  # nothing twice


def test_the_house_ladder_hears_a_letters_breaches(world: World, letter: Letter) -> None:
    letter("online-service.yaml")
    receive(world, AFTERNOON)
    scan(world, sh(11, 17, 14, 31))
    assert {audience for _, _, audience in heard(world)} == set(HOUSE_MINOR)
    scan(world, sh(11, 17, 15, 1))
    assert {audience for _, _, audience in heard(world)} == set(HOUSE_MAJOR)
