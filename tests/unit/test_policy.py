"""The policy file: the shipped default equals the brief's default policy, selection, and load-time errors."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.calendar import AlwaysOpen, BusinessCalendar
from chalicelib.domain.policy import PolicyError, PolicySet, parse_policy
from chalicelib.domain.vocabulary import Level
from chalicelib.settings import DEFAULT_POLICY_FILE
from tests.facts import facts

SHANGHAI = ZoneInfo("Asia/Shanghai")
MINUTE = 60
HOUR = 3600
DAY = 86400
DEFAULT_TEXT = DEFAULT_POLICY_FILE.read_text(encoding="utf-8")
DEFAULT = parse_policy(DEFAULT_TEXT, str(DEFAULT_POLICY_FILE))

PRIORITIES = ("urgent", "important", "general")
COMPLEXITIES = ("general", "complex")
CATEGORIES = ("service", "staff", "product_quality")

# The brief's table, 7x24 clock: priority -> (first_response, resolution general, resolution complex, update).
BRIEF_TARGETS = {
    "urgent": (30 * MINUTE, 2 * HOUR, 4 * HOUR, 1 * HOUR),
    "important": (2 * HOUR, 24 * HOUR, 48 * HOUR, 24 * HOUR),
    "general": (2 * HOUR, 48 * HOUR, 15 * DAY, 24 * HOUR),  # first reply 2 h (001 part 5; 003 letter 1)
}


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# ----- the shipped default policy is the brief's default policy -----


def test_default_policy_file_loads_with_version_and_display_zone() -> None:
    assert DEFAULT.version == "2026.11"
    assert DEFAULT.display.tz == SHANGHAI
    assert set(DEFAULT.calendars) == {"24x7", "office"}


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("complexity", COMPLEXITIES)
@pytest.mark.parametrize("priority", PRIORITIES)
def test_default_targets_match_the_brief_for_every_priority_complexity_and_category(
    priority: str, complexity: str, category: str
) -> None:
    complaint = facts(priority=priority, category=category, complexity=complexity)
    clocks = DEFAULT.clocks_for(DEFAULT.select(complaint), complaint)
    first_response, resolution_general, resolution_complex, update = BRIEF_TARGETS[priority]
    expected = {
        "first_response": (first_response, "24x7"),
        "resolution": (resolution_complex if complexity == "complex" else resolution_general, "24x7"),
        "follow_up": (int(7.5 * HOUR), "office"),  # 1 working day of 7.5 working hours
    }
    if complexity == "complex":
        expected["progress_update"] = (update, "24x7")
    if category == "product_quality":
        expected["site_visit"] = (3 * HOUR, "office")
    assert {name: (clock.target_seconds, clock.calendar) for name, clock in clocks.items()} == expected


def test_default_targets_are_shown_as_written() -> None:
    complaint = facts(priority="general", complexity="complex", category="product_quality")
    clocks = DEFAULT.clocks_for(DEFAULT.select(complaint), complaint)
    shown = {name: clock.target for name, clock in clocks.items()}
    assert shown == {
        "first_response": "2h",
        "resolution": "15d",
        "progress_update": "24h",
        "site_visit": "3h",
        "follow_up": "1d",
    }


def test_default_grading_is_warning_at_75_percent_and_minor_until_200_percent() -> None:
    for priority in PRIORITIES:
        for complexity in COMPLEXITIES:
            complaint = facts(priority=priority, complexity=complexity, category="product_quality")
            for clock in DEFAULT.clocks_for(DEFAULT.select(complaint), complaint).values():
                assert (clock.warning_percent, clock.minor_until_percent) == (75, 200), clock.name


def test_default_clock_rules_match_the_brief() -> None:
    complaint = facts(complexity="complex", category="product_quality")
    clocks = DEFAULT.clocks_for(DEFAULT.select(complaint), complaint)
    rules = {name: (set(c.starts_on), set(c.stops_on), set(c.ends_on), set(c.pauses_on)) for name, c in clocks.items()}
    assert rules == {
        "first_response": ({"received"}, {"respond", "resolve"}, set(), set()),
        "resolution": ({"received", "reopen"}, {"resolve"}, set(), {"waiting_on_customer", "force_majeure"}),
        "progress_update": (
            {"received", "progress_update", "reopen"},
            {"progress_update"},
            {"resolve"},
            {"waiting_on_customer", "force_majeure"},
        ),
        "site_visit": ({"received"}, {"site_visit"}, {"confirm"}, {"force_majeure"}),
        "follow_up": ({"resolve"}, {"confirm"}, {"reopen"}, {"waiting_on_customer"}),
    }


def test_default_office_calendar_is_shanghai_weekdays_with_lunch_break_and_cn_holidays() -> None:
    office = DEFAULT.calendars["office"]
    assert isinstance(office, BusinessCalendar)
    assert office.tz == SHANGHAI
    assert office.working_day_seconds == int(7.5 * HOUR)
    assert office.is_open(sh(2026, 11, 23, 9))  # Monday opening
    assert not office.is_open(sh(2026, 11, 23, 12, 30))  # lunch break
    assert office.is_open(sh(2026, 11, 23, 13, 30))
    assert not office.is_open(sh(2026, 11, 23, 18))  # closed at the range end
    assert not office.is_open(sh(2026, 11, 21, 10))  # an ordinary Saturday
    assert not office.is_open(sh(2026, 10, 1, 10))  # National Day
    assert office.is_open(sh(2026, 10, 10, 10))  # adjusted working Saturday (调休), Monday's hours
    assert not office.is_open(sh(2026, 10, 10, 12, 30))
    always = DEFAULT.calendars["24x7"]
    assert isinstance(always, AlwaysOpen)
    assert always.working_day_seconds == DAY


def test_default_escalation_ladder_audiences_per_level() -> None:
    complaint = facts(category="service")
    assert DEFAULT.audiences(Level.WARNING, complaint) == ("assignee", "on_call")
    assert DEFAULT.audiences(Level.MINOR, complaint) == ("on_call", "regional_manager")
    assert DEFAULT.audiences(Level.MAJOR, complaint) == ("marketing_director",)
    assert DEFAULT.audiences(Level.ESCALATION, complaint) == ("general_manager",)


def test_product_quality_breaches_also_go_to_management_rep_and_general_manager() -> None:
    complaint = facts(category="product_quality")
    assert DEFAULT.audiences(Level.WARNING, complaint) == ("assignee", "on_call")
    assert DEFAULT.audiences(Level.MINOR, complaint) == (
        "on_call",
        "regional_manager",
        "management_rep",
        "general_manager",
    )
    assert DEFAULT.audiences(Level.MAJOR, complaint) == (
        "marketing_director",
        "management_rep",
        "general_manager",
    )
    assert DEFAULT.audiences(Level.ESCALATION, complaint) == ("general_manager", "management_rep")


def test_default_escalation_step_is_one_office_working_day_after_a_major_breach() -> None:
    complaint = facts(priority="urgent")
    for clock in DEFAULT.clocks_for(DEFAULT.select(complaint), complaint).values():
        assert clock.escalation is not None
        assert (clock.escalation.after_seconds, clock.escalation.calendar) == (int(7.5 * HOUR), "office")


@pytest.mark.parametrize(
    ("priority", "complexity", "name"),
    [
        ("urgent", "complex", "urgent-complex"),
        ("urgent", "general", "urgent"),
        ("important", "complex", "important-complex"),
        ("important", "general", "important"),
        ("general", "complex", "general-complex"),
        ("general", "general", "general"),
    ],
)
def test_default_selection_picks_the_policy_of_priority_and_complexity(
    priority: str, complexity: str, name: str
) -> None:
    assert DEFAULT.select(facts(priority=priority, complexity=complexity)).name == name


# ----- selection on every field: first match wins, the catch-all last -----

SELECTION = """
version: selection-test
calendars:
  24x7: {}
  office: {hours: {mon: ["09:00-17:00"]}}
clocks:
  first_response: {starts_on: [received], stops_on: [respond]}
policies:
  - name: vip-phone
    match: {customer_tier: vip, channel: phone}
    clocks: {first_response: {target: 45s}}
  - name: vip
    match: {customer_tier: [vip, gold]}
    clocks: {first_response: {target: 1m}}
  - name: quality-or-staff-urgent
    match: {category: [product_quality, staff], priority: urgent}
    clocks: {first_response: {target: 5m}}
  - name: complex
    match: {complexity: complex}
    clocks: {first_response: {target: 1h30m}}
  - name: chat
    match: {channel: chat}
    clocks: {first_response: {target: 2h}}
  - name: everything-else
    clocks: {first_response: {target: 1d}}
"""


@pytest.fixture(scope="module")
def selection() -> PolicySet:
    return parse_policy(SELECTION, "selection.yaml")


@pytest.mark.parametrize(
    ("complaint", "name"),
    [
        (facts(customer_tier="vip", channel="phone"), "vip-phone"),
        (facts(customer_tier="vip", channel="email"), "vip"),  # the first rule needs both fields
        (facts(customer_tier="gold", channel="phone", priority="urgent", category="staff"), "vip"),
        (facts(priority="urgent", category="staff"), "quality-or-staff-urgent"),
        (facts(priority="urgent", category="product_quality", complexity="complex"), "quality-or-staff-urgent"),
        (facts(priority="important", category="staff", complexity="complex"), "complex"),
        (facts(priority="urgent", category="service", complexity="complex", channel="chat"), "complex"),
        (facts(channel="chat"), "chat"),
        (facts(channel="email", customer_tier="silver"), "everything-else"),
    ],
)
def test_selection_first_match_wins_on_every_field(selection: PolicySet, complaint: dict[str, str], name: str) -> None:
    assert selection.select(complaint).name == name


def test_selected_policy_gives_its_own_targets(selection: PolicySet) -> None:
    targets = {}
    for complaint in (facts(customer_tier="vip", channel="phone"), facts(complexity="complex"), facts()):
        clock = selection.clocks_for(selection.select(complaint), complaint)["first_response"]
        targets[clock.target] = clock.target_seconds
    assert targets == {"45s": 45, "1h30m": 5400, "1d": DAY}


def test_clock_when_condition_limits_a_clock_to_matching_complaints() -> None:
    for category in CATEGORIES:
        complaint = facts(category=category)
        clocks = DEFAULT.clocks_for(DEFAULT.select(complaint), complaint)
        assert ("site_visit" in clocks) is (category == "product_quality")


def test_per_clock_grading_overrides_the_file_grading() -> None:
    text = SELECTION.replace(
        "{first_response: {target: 1d}}",
        "{first_response: {target: 1d, grading: {warning_at: 50%, minor_until: 300%}}}",
    )
    policies = parse_policy(text, "grading.yaml")
    clock = policies.clocks_for(policies.select(facts()), facts())["first_response"]
    assert (clock.warning_percent, clock.minor_until_percent) == (50, 300)


# ----- invalid files fail at load, naming the file, the path inside it and what is wrong -----


def _mutate(old: str, new: str) -> str:
    assert DEFAULT_TEXT.count(old) >= 1, old
    return DEFAULT_TEXT.replace(old, new, 1)


INVALID = {
    "unknown calendar": (
        _mutate("resolution: {target: 2h}", "resolution: {target: 2h, calendar: weekdays}"),
        "policies.2.clocks.resolution.calendar",
        "unknown calendar 'weekdays'",
    ),
    "missing catch-all last": (
        _mutate("  - name: general\n    clocks:", "  - name: general\n    match: {priority: general}\n    clocks:"),
        "policies.6.match",
        "the last policy must be a catch-all",
    ),
    "catch-all before the last policy": (
        _mutate("    match: {priority: important}\n", ""),
        "policies.4.match",
        "only the last policy may be a catch-all",
    ),
    "bad duration": (
        _mutate("first_response: {target: 30m}", "first_response: {target: 2x}"),
        "policies.1.clocks.first_response.target",
        "'2x' is not a duration",
    ),
    "bad percentage": (
        _mutate("warning_at: 75%", "warning_at: 75 percent"),
        "grading.warning_at",
        "'75 percent' is not a percentage",
    ),
    "warning after the deadline": (
        _mutate("warning_at: 75%", "warning_at: 120%"),
        "grading",
        "warning_at must be at most 100%",
    ),
    "unknown clock name under clocks": (
        _mutate("  site_visit:\n    starts_on", "  site_inspection:\n    starts_on"),
        "clocks.site_inspection",
        "Input should be 'first_response'",
    ),
    "unknown clock name in a policy": (
        _mutate("first_response: {target: 30m}", "first_reply: {target: 30m}"),
        "policies.1.clocks.first_reply",
        "Input should be 'first_response'",
    ),
    "unknown event": (
        _mutate("starts_on: [resolve]", "starts_on: [resolved]"),
        "clocks.follow_up.starts_on.0",
        "must be received, respond, progress_update, site_visit, resolve, confirm, reopen, handoff, approve, plan, "
        "dispatch or reply",
    ),
    "unknown pause reason": (
        _mutate("pauses_on: [force_majeure]", "pauses_on: [act_of_god]"),
        "clocks.site_visit.pauses_on.0",
        "Input should be 'waiting_on_customer' or 'force_majeure'",
    ),
    "unknown time zone": (
        _mutate("  office:\n    timezone: Asia/Shanghai", "  office:\n    timezone: Asia/Peking"),
        "calendars.office.timezone",
        "unknown time zone 'Asia/Peking'",
    ),
    "bad range": (
        _mutate('tue: ["09:00-12:00", "13:30-18:00"]', 'tue: ["25:00-26:00"]'),
        "calendars.office.hours",
        "'25:00-26:00' is not an opening range",
    ),
    "overlapping ranges": (
        _mutate('wed: ["09:00-12:00", "13:30-18:00"]', 'wed: ["09:00-12:00", "11:00-18:00"]'),
        "calendars.office",
        "opening ranges overlap",
    ),
    "adjusted day hours on a closed weekday": (
        _mutate("adjusted_day_hours: mon", "adjusted_day_hours: sun"),
        "calendars.office",
        "adjusted_day_hours",
    ),
    "unknown holiday country": (
        _mutate("holidays: CN", "holidays: XX"),
        "calendars.office",
        "no data for 'XX'",
    ),
    "holidays on a 24x7 calendar": (
        _mutate(
            "  24x7:                          # no `hours`: open around the clock\n", "  24x7:\n    holidays: CN\n"
        ),
        "calendars.24x7",
        "holidays only apply to a calendar with `hours`",
    ),
    "unknown match value": (
        _mutate("match: {priority: urgent}", "match: {priority: urgnet}"),
        "policies.2.match.priority.0",
        "Input should be 'urgent', 'important' or 'general'",
    ),
    "unknown audience": (
        _mutate("major: [marketing_director]", "major: [ceo]"),
        "escalation.major.0",
        "Input should be 'assignee'",
    ),
    "extra unknown key": (
        _mutate("grading:", "colour: red\ngrading:"),
        "colour",
        "Extra inputs are not permitted",
    ),
    "extra unknown key in a policy": (
        _mutate("    match: {priority: urgent}\n", "    match: {priority: urgent}\n    priority: 1\n"),
        "policies.2.priority",
        "Extra inputs are not permitted",
    ),
    "duplicate policy name": (
        _mutate("  - name: important\n", "  - name: urgent\n"),
        "policies.4.name",
        "another policy is already named 'urgent'",
    ),
    "YAML syntax error": (
        _mutate("  minor: [on_call, regional_manager]", "  minor: [on_call, regional_manager"),
        "line ",
        "not valid YAML",
    ),
    "a confirmed year listing a date of another year": (
        _mutate(
            "    extra_working_days: []",
            "    extra_working_days: []\n    confirmed_years: {2027: {days_off: [2026-12-31]}}",
        ),
        "calendars",
        "lists 2026-12-31, a date of another year",
    ),
    "a backwards range of days": (
        _mutate(
            "    extra_working_days: []",
            '    extra_working_days: []\n    confirmed_years: {2027: {days_off: ["2027-02-13..2027-02-06"]}}',
        ),
        "calendars.office.confirmed_years.2027.days_off",
        "must run forwards",
    ),
    "confirmed years on a 24x7 calendar": (
        _mutate(
            "  24x7:                          # no `hours`: open around the clock\n    timezone: Asia/Shanghai",
            "  24x7:\n    timezone: Asia/Shanghai\n    confirmed_years: {2027: {}}",
        ),
        "calendars.24x7",
        "confirmed_years only apply to a calendar with `hours`",
    ),
    "not a mapping": ("- just\n- a list\n", "(top level)", "valid dictionary"),
    "empty file": ("", "(top level)", "valid dictionary"),
}


@pytest.mark.parametrize(("text", "path", "problem"), list(INVALID.values()), ids=list(INVALID))
def test_invalid_policy_file_fails_at_load_naming_file_path_and_problem(text: str, path: str, problem: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "/etc/sla/policy.yaml")
    message = str(caught.value)
    assert message.startswith("/etc/sla/policy.yaml: "), message
    assert path in message, message
    assert problem in message, message


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    text = _mutate("warning_at: 75%", "warning_at: lots").replace(
        "first_response: {target: 30m}", "first_response: {target: 2x}", 1
    )
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "policy.yaml")
    assert re.search(r"grading\.warning_at: .*; .*first_response\.target: ", str(caught.value)) or re.search(
        r"first_response\.target: .*; .*grading\.warning_at: ", str(caught.value)
    )


def test_a_declared_year_with_ranges_confirms_it_and_sets_its_days() -> None:
    text = _mutate(
        "    extra_working_days: []",
        "    extra_working_days: []\n    confirmed_years:\n      2027:\n"
        '        days_off: ["2027-01-01", "2027-02-06..2027-02-13"]\n        working_days: [2027-02-14]',
    )
    office = parse_policy(text, "policy.yaml").calendars["office"]
    assert office.is_confirmed(2027)
    assert not office.is_open(sh(2027, 2, 12, 10))  # inside the declared range (a Friday)
    assert office.is_open(sh(2027, 2, 14, 10))  # a declared adjusted working Sunday
    assert office.confirmed_through(sh(2026, 11, 22).date()) == sh(2027, 12, 31).date()


def test_the_shipped_policy_leaves_2027_provisional() -> None:
    office = parse_policy(DEFAULT_TEXT, "default.yaml").calendars["office"]
    assert office.is_confirmed(2026)
    assert not office.is_confirmed(2027)
