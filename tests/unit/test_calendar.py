"""Calendars: worked SLA examples, holidays and coverage, shifts, DST and input validation."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.calendar import (
    END_OF_DAY,
    AlwaysOpen,
    BusinessCalendar,
    Calendar,
    CalendarNotCovered,
    YearSchedule,
    parse_range,
)
from chalicelib.domain.durations import Target

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600
WORKING_DAY = 27000  # 7.5 h
ROOT = Path(__file__).resolve().parents[2]


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def office_hours() -> dict[int, list[tuple[time, time]]]:
    return {weekday: [parse_range("09:00-12:00"), parse_range("13:30-18:00")] for weekday in range(5)}


def make_office(**overrides: Any) -> BusinessCalendar:
    arguments: dict[str, Any] = {"name": "office", "tz": SHANGHAI, "weekly": office_hours()}
    arguments.update(overrides)
    return BusinessCalendar(**arguments)


@pytest.fixture(scope="module")
def office() -> BusinessCalendar:
    return make_office()


def assert_same_instant(actual: datetime, expected: datetime, calendar: Calendar) -> None:
    """Compare real instants (aware datetimes in one zone compare by wall clock) and check the zone."""
    assert actual.astimezone(UTC) == expected.astimezone(UTC), f"{actual.isoformat()} != {expected.isoformat()}"
    assert actual.tzinfo is calendar.tz
    assert actual.utcoffset() == expected.utcoffset()


# ----- the worked examples on the office calendar -----


def test_three_hours_from_friday_17_00_are_due_monday_11_00(office: BusinessCalendar) -> None:
    assert_same_instant(office.add(sh(2026, 11, 20, 17), 3 * HOUR), sh(2026, 11, 23, 11), office)


def test_lunch_break_is_skipped(office: BusinessCalendar) -> None:
    assert_same_instant(office.add(sh(2026, 11, 23, 11), 3 * HOUR), sh(2026, 11, 23, 15, 30), office)


def test_national_day_holidays_are_skipped(office: BusinessCalendar) -> None:
    assert_same_instant(office.add(sh(2026, 9, 30, 17), 3 * HOUR), sh(2026, 10, 8, 11), office)


def test_adjusted_working_saturday_counts(office: BusinessCalendar) -> None:
    assert_same_instant(office.add(sh(2026, 10, 9, 16, 30), 3 * HOUR), sh(2026, 10, 10, 10, 30), office)


def test_adjusted_working_sunday_before_national_day_counts(office: BusinessCalendar) -> None:
    assert office.is_open(sh(2026, 9, 20, 10))
    assert not office.is_open(sh(2026, 9, 27, 10))


def test_one_working_day_from_friday_17_00_is_monday_17_00(office: BusinessCalendar) -> None:
    seconds = office.seconds_of(Target(seconds=0, days=1))
    assert seconds == WORKING_DAY
    assert_same_instant(office.add(sh(2026, 11, 20, 17), seconds), sh(2026, 11, 23, 17), office)


def test_deadline_landing_on_a_range_end_is_that_end_not_the_next_opening(office: BusinessCalendar) -> None:
    assert_same_instant(office.add(sh(2026, 11, 23, 9), 3 * HOUR), sh(2026, 11, 23, 12), office)
    assert_same_instant(office.add(sh(2026, 11, 20, 17), HOUR), sh(2026, 11, 20, 18), office)


def test_fifteen_working_days_across_national_day(office: BusinessCalendar) -> None:
    due = office.add(sh(2026, 9, 25, 10), office.seconds_of(Target(0, 15)))
    # Sep 25 is Mid-Autumn; 28-30 Sep, 8-10 Oct (10th adjusted), 12-16 Oct, 19-22 Oct.
    assert_same_instant(due, sh(2026, 10, 22, 18), office)


def test_counting_from_a_closed_instant_starts_at_the_next_opening(office: BusinessCalendar) -> None:
    assert_same_instant(office.add(sh(2026, 11, 21, 10), HOUR), sh(2026, 11, 23, 10), office)
    assert_same_instant(office.add(sh(2026, 11, 23, 12, 15), HOUR), sh(2026, 11, 23, 14, 30), office)


def test_add_zero_returns_the_start_instant_even_when_closed(office: BusinessCalendar) -> None:
    start = sh(2026, 11, 21, 10)
    assert_same_instant(office.add(start, 0), start, office)


def test_add_accepts_fractional_seconds(office: BusinessCalendar) -> None:
    due = office.add(sh(2026, 11, 23, 9), 1.5)
    assert_same_instant(due, sh(2026, 11, 23, 9) + timedelta(seconds=1.5), office)


def test_results_are_in_the_calendar_zone_whatever_the_input_zone(office: BusinessCalendar) -> None:
    start_utc = datetime(2026, 11, 20, 9, tzinfo=UTC)  # 17:00 in Shanghai
    due = office.add(start_utc, 3 * HOUR)
    assert due.tzinfo is SHANGHAI
    assert due == sh(2026, 11, 23, 11)
    assert office.next_open(start_utc).tzinfo is SHANGHAI


def test_add_rejects_negative_or_non_finite_seconds(office: BusinessCalendar) -> None:
    for bad in (-1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="seconds"):
            office.add(sh(2026, 11, 23, 9), bad)


def test_default_working_day_is_the_longest_weekday(office: BusinessCalendar) -> None:
    assert office.working_day_seconds == WORKING_DAY
    weekly = office_hours()
    weekly[5] = [parse_range("09:00-21:00")]
    assert make_office(weekly=weekly).working_day_seconds == 12 * HOUR
    assert make_office(working_day_seconds=8 * HOUR).seconds_of(Target(60, 2)) == 16 * HOUR + 60


# ----- is_open / next_open / measure on the office calendar -----


def test_ranges_are_half_open(office: BusinessCalendar) -> None:
    assert office.is_open(sh(2026, 11, 23, 9))
    assert office.is_open(sh(2026, 11, 23, 11, 59))
    assert not office.is_open(sh(2026, 11, 23, 12))
    assert not office.is_open(sh(2026, 11, 23, 13, 29))
    assert office.is_open(sh(2026, 11, 23, 13, 30))
    assert not office.is_open(sh(2026, 11, 23, 18))


def test_next_open_is_the_instant_itself_when_open(office: BusinessCalendar) -> None:
    at = sh(2026, 11, 23, 10, 7)
    assert_same_instant(office.next_open(at), at, office)


def test_next_open_from_lunch_weekend_and_holiday(office: BusinessCalendar) -> None:
    assert_same_instant(office.next_open(sh(2026, 11, 23, 12)), sh(2026, 11, 23, 13, 30), office)
    assert_same_instant(office.next_open(sh(2026, 11, 20, 18)), sh(2026, 11, 23, 9), office)
    assert_same_instant(office.next_open(sh(2026, 10, 1, 10)), sh(2026, 10, 8, 9), office)


def test_measure_over_national_day_counts_only_working_hours(office: BusinessCalendar) -> None:
    # 30 Sep and 8 Oct are working days; 1-7 Oct are holidays.
    assert office.measure(sh(2026, 9, 30, 9), sh(2026, 10, 8, 18)) == 2 * WORKING_DAY
    assert office.measure(sh(2026, 9, 30, 17), sh(2026, 10, 8, 11)) == 3 * HOUR


def test_measure_excludes_lunch_and_is_zero_for_empty_or_reversed_spans(office: BusinessCalendar) -> None:
    assert office.measure(sh(2026, 11, 23, 11), sh(2026, 11, 23, 14)) == 1.5 * HOUR
    assert office.measure(sh(2026, 11, 23, 14), sh(2026, 11, 23, 14)) == 0
    assert office.measure(sh(2026, 11, 23, 14), sh(2026, 11, 23, 11)) == 0


# ----- holiday data, extra lists and coverage -----


def test_a_deadline_in_2027_is_computed_on_the_statutory_holidays_and_is_provisional(
    office: BusinessCalendar,
) -> None:
    # The domain brief's example: Thu 31 Dec 2026 17:30 + 3 working hours; 1 Jan 2027 is a statutory holiday
    # and 2-3 Jan a weekend, so it lands on Monday 4 Jan 11:30. 2027's adjusted days are not yet published.
    due = office.add(sh(2026, 12, 31, 17, 30), 3 * HOUR)
    assert_same_instant(due, sh(2027, 1, 4, 11, 30), office)
    assert office.provisional_years(sh(2026, 12, 31, 17, 30), due) == (2027,)
    assert office.provisional_years(sh(2026, 12, 31, 9), sh(2026, 12, 31, 18)) == ()
    assert not office.is_confirmed(2027)
    assert office.is_confirmed(2026)


def test_the_package_spring_festival_2027_is_off_while_provisional(office: BusinessCalendar) -> None:
    assert not office.is_open(sh(2027, 2, 8, 10))  # Spring Festival, statutory
    assert office.is_open(sh(2027, 3, 1, 10))  # an ordinary Monday
    assert office.measure(sh(2026, 12, 31, 9), sh(2027, 1, 4, 10)) == WORKING_DAY + HOUR


def test_the_last_confirmed_day_is_the_end_of_the_last_year_with_adjusted_days(office: BusinessCalendar) -> None:
    assert office.confirmed_through(date(2026, 11, 22)) == date(2026, 12, 31)
    assert office.confirmed_through(date(2027, 3, 1)) == date(2026, 12, 31)
    assert make_office(country=None).confirmed_through(date(2026, 11, 22)) is None
    assert AlwaysOpen().confirmed_through(date(2026, 11, 22)) is None


def test_declaring_a_year_confirms_it_and_applies_its_schedule() -> None:
    schedule = YearSchedule(days_off=frozenset({date(2027, 1, 4)}), working_days=frozenset({date(2027, 1, 9)}))
    calendar = make_office(confirmed_years={2027: schedule})
    assert calendar.is_confirmed(2027)
    assert calendar.confirmed_through(date(2026, 11, 22)) == date(2027, 12, 31)
    assert calendar.provisional_years(sh(2026, 12, 31), sh(2027, 6, 1)) == ()
    # 1 Jan stays a statutory holiday, 4 Jan is declared off: due Tuesday 5 Jan 11:00.
    assert_same_instant(calendar.add(sh(2026, 12, 31, 17), 3 * HOUR), sh(2027, 1, 5, 11), calendar)
    assert calendar.is_open(sh(2027, 1, 9, 10))  # a declared adjusted working Saturday


def test_years_not_touched_do_not_raise(office: BusinessCalendar) -> None:
    assert_same_instant(office.add(sh(2026, 12, 31, 15), 3 * HOUR), sh(2026, 12, 31, 18), office)
    assert office.measure(sh(2026, 12, 31, 9), sh(2027, 1, 1, 0)) == WORKING_DAY


def test_year_before_the_package_data_raises_with_its_range() -> None:
    with pytest.raises(CalendarNotCovered, match=r"no holiday data for 1949 \(holidays package covers CN from 1950\)"):
        make_office().is_open(sh(1949, 6, 1, 10))


def test_a_year_beyond_the_package_data_raises_unless_declared() -> None:
    with pytest.raises(CalendarNotCovered) as caught:
        make_office().is_open(sh(2101, 3, 1, 10))
    assert caught.value.year == 2101
    assert str(caught.value) == (
        "calendar 'office' has no holiday data for 2101 (holidays package covers CN until 2100); "
        "declare that year under confirmed_years in the policy file"
    )
    declared = make_office(confirmed_years={2101: YearSchedule()})
    assert declared.is_open(sh(2101, 3, 1, 10))


@pytest.mark.parametrize(
    ("overrides", "due"),
    [
        # A company day off in 2027 keeps the package's 1 Jan holiday: Mon 4 Jan is off too, due Tue 11:00.
        ({"extra_holidays": [date(2027, 1, 4)]}, sh(2027, 1, 5, 11)),
        # A company working Saturday in 2027 (2 Jan) counts, and 1 Jan stays a holiday.
        ({"extra_working_days": [date(2027, 1, 2)]}, sh(2027, 1, 2, 11)),
    ],
)
def test_an_extra_date_in_2027_neither_confirms_2027_nor_hides_its_statutory_holidays(
    overrides: dict[str, Any], due: datetime
) -> None:
    calendar = make_office(**overrides)
    assert_same_instant(calendar.add(sh(2026, 12, 31, 17), 3 * HOUR), due, calendar)
    assert not calendar.is_confirmed(2027)
    assert not calendar.is_open(sh(2027, 2, 8, 10))  # Spring Festival still off


def test_a_declared_year_must_list_only_its_own_dates() -> None:
    with pytest.raises(ValueError, match="2026-12-31, a date of another year"):
        make_office(confirmed_years={2027: YearSchedule(days_off=frozenset({date(2026, 12, 31)}))})
    with pytest.raises(ValueError, match="both a day off and a working day"):
        make_office(confirmed_years={2027: YearSchedule(frozenset({date(2027, 1, 2)}), frozenset({date(2027, 1, 2)}))})


def test_extra_holidays_and_working_days_override_the_package() -> None:
    calendar = make_office(extra_holidays=[date(2026, 11, 23)], extra_working_days=[date(2026, 10, 2)])
    assert_same_instant(calendar.add(sh(2026, 11, 20, 17), 3 * HOUR), sh(2026, 11, 24, 11), calendar)
    assert calendar.is_open(sh(2026, 10, 2, 10))  # National Day, but listed as a working day
    assert not make_office().is_open(sh(2026, 10, 2, 10))


def test_extra_working_weekend_day_uses_the_adjusted_day_hours() -> None:
    weekly = office_hours()
    weekly[0] = [parse_range("08:00-12:00")]
    calendar = make_office(weekly=weekly, country=None, extra_working_days=[date(2026, 11, 21)])
    assert calendar.is_open(sh(2026, 11, 21, 8, 30))
    assert not calendar.is_open(sh(2026, 11, 21, 13, 30))
    on_friday_hours = make_office(
        weekly=weekly, country=None, extra_working_days=[date(2026, 11, 21)], adjusted_day_hours=4
    )
    assert not on_friday_hours.is_open(sh(2026, 11, 21, 8, 30))
    assert on_friday_hours.is_open(sh(2026, 11, 21, 13, 30))


def test_package_adjusted_saturday_uses_the_adjusted_day_hours() -> None:
    weekly = office_hours()
    weekly[0] = [parse_range("08:00-12:00")]
    calendar = make_office(weekly=weekly)
    assert calendar.is_open(sh(2026, 10, 10, 8, 30))
    assert not calendar.is_open(sh(2026, 10, 10, 14))


def test_country_none_has_no_public_holidays_and_no_adjusted_days() -> None:
    calendar = make_office(country=None)
    assert calendar.is_open(sh(2026, 10, 1, 10))
    assert not calendar.is_open(sh(2026, 10, 10, 10))


def test_new_year_on_a_calendar_without_country_needs_no_holiday_data() -> None:
    calendar = make_office(country=None)
    # Thursday 31 Dec 2026 17:00 + 3 h: 1 h that day, 2 h on Friday 1 Jan 2027.
    assert_same_instant(calendar.add(sh(2026, 12, 31, 17), 3 * HOUR), sh(2027, 1, 1, 11), calendar)


def test_new_year_on_the_24x7_calendar() -> None:
    calendar = AlwaysOpen(name="24x7", tz=SHANGHAI)
    assert_same_instant(calendar.add(sh(2026, 12, 31, 23), 2 * HOUR), sh(2027, 1, 1, 1), calendar)
    assert calendar.measure(sh(2026, 12, 31), sh(2027, 1, 1)) == 24 * HOUR
    assert calendar.seconds_of(Target(60, 1)) == 86460


def test_a_country_without_announced_schedules_is_covered_to_its_end_year() -> None:
    calendar = make_office(name="berlin", tz=BERLIN, country="DE", subdivision="BE")
    start = datetime(2030, 12, 23, 17, tzinfo=BERLIN)  # Mon: 1 h; Tue 24th: 7.5 h; 25-26 Dec holidays
    assert_same_instant(calendar.add(start, 10.5 * HOUR), datetime(2030, 12, 27, 11, tzinfo=BERLIN), calendar)


@pytest.mark.parametrize(("country", "subdivision"), [("XX", None), ("CN", "ZZ")])
def test_unknown_country_or_subdivision_is_a_value_error(country: str, subdivision: str | None) -> None:
    calendar = make_office(country=country, subdivision=subdivision)
    with pytest.raises(ValueError, match="holidays package has no data for"):
        calendar.is_open(sh(2026, 11, 23, 10))


def test_importing_the_calendar_module_does_not_import_holidays() -> None:
    code = "import sys, chalicelib.domain.calendar; assert 'holidays' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


# ----- shifts -----


def test_split_shift_counts_only_its_pieces() -> None:
    weekly = {day: [parse_range("07:00-10:00"), parse_range("16:00-19:00")] for day in range(7)}
    calendar = BusinessCalendar("split", SHANGHAI, weekly, country=None)
    assert calendar.working_day_seconds == 6 * HOUR
    assert_same_instant(calendar.add(sh(2026, 5, 4, 9), 2 * HOUR), sh(2026, 5, 4, 17), calendar)
    assert_same_instant(calendar.add(sh(2026, 5, 4, 18), 2 * HOUR), sh(2026, 5, 5, 8), calendar)
    assert calendar.measure(sh(2026, 5, 4), sh(2026, 5, 5)) == 6 * HOUR


@pytest.fixture(scope="module")
def nights() -> BusinessCalendar:
    return BusinessCalendar("nights", SHANGHAI, {day: [parse_range("22:00-06:00")] for day in range(5)}, country=None)


def test_past_midnight_shift_runs_into_the_next_day(nights: BusinessCalendar) -> None:
    # Friday 2026-11-20 23:00 + 4 h -> Saturday 03:00 (Friday's shift ends Saturday 06:00).
    assert_same_instant(nights.add(sh(2026, 11, 20, 23), 4 * HOUR), sh(2026, 11, 21, 3), nights)
    assert nights.working_day_seconds == 8 * HOUR


def test_there_is_no_saturday_or_sunday_night_shift(nights: BusinessCalendar) -> None:
    assert not nights.is_open(sh(2026, 11, 21, 23))
    assert not nights.is_open(sh(2026, 11, 22, 23))
    assert_same_instant(nights.next_open(sh(2026, 11, 21, 6)), sh(2026, 11, 23, 22), nights)
    assert_same_instant(nights.add(sh(2026, 11, 21, 5), 2 * HOUR), sh(2026, 11, 23, 23), nights)
    assert not nights.is_open(sh(2026, 11, 23, 3))  # Monday morning: Sunday had no shift


def test_a_shift_belongs_to_the_day_it_starts_on() -> None:
    weekly = {day: [parse_range("22:00-06:00")] for day in range(5)}
    calendar = BusinessCalendar("nights", SHANGHAI, weekly, country=None, extra_holidays=[date(2026, 11, 19)])
    assert calendar.is_open(sh(2026, 11, 19, 3))  # Wednesday's shift, on the holiday morning
    assert not calendar.is_open(sh(2026, 11, 19, 23))  # the holiday's own shift does not run
    assert not calendar.is_open(sh(2026, 11, 20, 3))
    assert calendar.measure(sh(2026, 11, 18), sh(2026, 11, 21)) == 8 * HOUR + 6 * HOUR + 2 * HOUR


def test_past_midnight_shift_adjacent_to_next_day_range_is_one_stretch() -> None:
    weekly = {0: [parse_range("22:00-06:00")], 1: [parse_range("06:00-08:00")]}
    calendar = BusinessCalendar("joined", SHANGHAI, weekly, country=None)
    monday = sh(2026, 11, 23, 22)
    assert_same_instant(calendar.add(monday, 10 * HOUR), sh(2026, 11, 24, 8), calendar)


def test_time_open_twice_over_is_counted_once() -> None:
    # Friday's night shift runs to Saturday 06:00; an extra working Saturday copies Monday's 00:00-08:00.
    weekly = {0: [parse_range("00:00-08:00")], 4: [parse_range("22:00-06:00")]}
    calendar = BusinessCalendar("overlapping", SHANGHAI, weekly, country=None, extra_working_days=[date(2026, 11, 21)])
    assert calendar.measure(sh(2026, 11, 20), sh(2026, 11, 22)) == 10 * HOUR
    assert_same_instant(calendar.add(sh(2026, 11, 20, 22), 10 * HOUR), sh(2026, 11, 21, 8), calendar)


def test_adjacent_ranges_are_allowed() -> None:
    weekly = {0: [parse_range("09:00-12:00"), parse_range("12:00-13:00")]}
    calendar = BusinessCalendar("adjacent", SHANGHAI, weekly, country=None)
    assert calendar.is_open(sh(2026, 11, 23, 12))
    assert_same_instant(calendar.add(sh(2026, 11, 23, 9), 4 * HOUR), sh(2026, 11, 23, 13), calendar)


# ----- DST (Europe/Berlin: gap 2026-03-29 02:00->03:00, overlap 2026-10-25 03:00->02:00) -----


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN, fold=fold)


def every_day(text: str) -> BusinessCalendar:
    return BusinessCalendar(text, BERLIN, {day: [parse_range(text)] for day in range(7)}, country=None)


def test_24x7_counts_real_seconds_over_the_gap() -> None:
    calendar = AlwaysOpen(name="24x7", tz=BERLIN)
    assert calendar.measure(berlin(2026, 3, 29), berlin(2026, 3, 30)) == 23 * HOUR
    assert_same_instant(calendar.add(berlin(2026, 3, 29, 1, 30), HOUR), berlin(2026, 3, 29, 3, 30), calendar)


def test_24x7_counts_real_seconds_over_the_overlap() -> None:
    calendar = AlwaysOpen(name="24x7", tz=BERLIN)
    assert calendar.measure(berlin(2026, 10, 25), berlin(2026, 10, 26)) == 25 * HOUR
    due = calendar.add(berlin(2026, 10, 25, 1, 30), 2 * HOUR)
    assert_same_instant(due, berlin(2026, 10, 25, 2, 30, fold=1), calendar)
    assert due.fold == 1


def test_whole_day_range_is_23_hours_on_the_gap_day_and_25_on_the_overlap_day() -> None:
    calendar = every_day("00:00-24:00")
    assert calendar.measure(berlin(2026, 3, 29), berlin(2026, 3, 30)) == 23 * HOUR
    assert calendar.measure(berlin(2026, 10, 25), berlin(2026, 10, 26)) == 25 * HOUR
    assert calendar.measure(berlin(2026, 3, 28), berlin(2026, 3, 29)) == 24 * HOUR
    assert_same_instant(calendar.add(berlin(2026, 3, 29, 1), 2 * HOUR), berlin(2026, 3, 29, 4), calendar)


def test_range_covering_the_transition_counts_real_time() -> None:
    calendar = every_day("01:00-05:00")
    assert calendar.measure(berlin(2026, 3, 29), berlin(2026, 3, 30)) == 3 * HOUR
    assert calendar.measure(berlin(2026, 10, 25), berlin(2026, 10, 26)) == 5 * HOUR
    assert_same_instant(calendar.add(berlin(2026, 3, 29, 1), 2 * HOUR), berlin(2026, 3, 29, 4), calendar)
    assert_same_instant(calendar.add(berlin(2026, 10, 25, 1), 2 * HOUR), berlin(2026, 10, 25, 2, fold=1), calendar)
    assert_same_instant(calendar.add(berlin(2026, 10, 25, 1), 5 * HOUR), berlin(2026, 10, 25, 5), calendar)
    assert_same_instant(calendar.add(berlin(2026, 10, 25, 1), 6 * HOUR), berlin(2026, 10, 26, 2), calendar)


def test_range_boundary_inside_the_gap_opens_when_the_clocks_jump() -> None:
    calendar = every_day("02:30-05:00")
    assert_same_instant(calendar.next_open(berlin(2026, 3, 29)), berlin(2026, 3, 29, 3), calendar)
    assert calendar.measure(berlin(2026, 3, 29), berlin(2026, 3, 30)) == 2 * HOUR
    assert calendar.measure(berlin(2026, 3, 30), berlin(2026, 3, 31)) == 2.5 * HOUR


def test_range_inside_the_gap_vanishes_that_day() -> None:
    calendar = every_day("02:10-02:50")
    assert calendar.measure(berlin(2026, 3, 29), berlin(2026, 3, 30)) == 0
    assert_same_instant(calendar.next_open(berlin(2026, 3, 29)), berlin(2026, 3, 30, 2, 10), calendar)


def test_range_boundary_inside_the_repeated_hour_uses_its_first_occurrence() -> None:
    calendar = every_day("02:30-04:00")
    assert_same_instant(calendar.next_open(berlin(2026, 10, 25)), berlin(2026, 10, 25, 2, 30), calendar)
    assert calendar.measure(berlin(2026, 10, 25), berlin(2026, 10, 26)) == 2.5 * HOUR


# ----- validation -----


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00-12:00", (time(9), time(12))),
        ("9:00-12:00", (time(9), time(12))),
        ("22:00-06:00", (time(22), time(6))),
        ("00:00-24:00", (time(0), END_OF_DAY)),
        ("18:00-00:00", (time(18), time(0))),
    ],
)
def test_parse_range_accepts_valid_ranges(text: str, expected: tuple[time, time]) -> None:
    assert parse_range(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("09:00-09:00", "zero length"),
        ("00:00-00:00", "zero length; a whole day is 00:00-24:00"),
        ("9-12", "HH:MM-HH:MM"),
        ("09:00 - 12:00", "HH:MM-HH:MM"),
        ("09:60-10:00", "minutes 00-59"),
        ("25:00-26:00", "hours 00-23"),
        ("24:00-06:00", "24:00 only as an end"),
        ("09:00-24:30", "24:00 only as an end"),
        ("", "HH:MM-HH:MM"),
    ],
)
def test_parse_range_rejects_invalid_ranges(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_range(text)


@pytest.mark.parametrize(
    ("weekly", "message"),
    [
        ({0: ["09:00-12:00", "11:00-13:00"]}, "overlap: Mon 09:00-12:00 and Mon 11:00-13:00"),
        ({0: ["22:00-06:00"], 1: ["05:00-09:00"]}, "overlap: Mon 22:00-06:00 and Tue 05:00-09:00"),
        ({6: ["22:00-02:00"], 0: ["01:00-03:00"]}, "overlap: Sun 22:00-02:00 and Mon 01:00-03:00"),
        ({0: ["00:00-24:00"], 1: ["00:00-24:00", "08:00-09:00"]}, "overlap"),
    ],
)
def test_overlapping_ranges_are_rejected(weekly: dict[int, list[str]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar("x", SHANGHAI, {day: [parse_range(t) for t in texts] for day, texts in weekly.items()})


@pytest.mark.parametrize(
    ("weekly", "overrides", "message"),
    [
        ({0: [(time(9), time(9))]}, {}, "zero length"),
        ({0: [(time(0), time(0))]}, {}, "a whole day is 00:00-24:00"),
        ({0: [(END_OF_DAY, time(6))]}, {}, "cannot start at 24:00"),
        ({0: [(time(9, tzinfo=UTC), time(10))]}, {}, "without tzinfo"),
        ({7: [(time(9), time(10))]}, {}, "weekday keys run 0"),
        ({}, {}, "at least one opening range"),
        ({0: []}, {}, "at least one opening range"),
        ({5: [(time(9), time(10))]}, {}, r"adjusted_day_hours=0 \(Mon\) has no opening ranges"),
        ({0: [(time(9), time(10))]}, {"adjusted_day_hours": 7}, "adjusted_day_hours must be a weekday"),
        ({0: [(time(9), time(10))]}, {"working_day_seconds": 0}, "working_day_seconds must be positive"),
        (
            {0: [(time(9), time(10))]},
            {"extra_holidays": [date(2026, 5, 1)], "extra_working_days": [date(2026, 5, 1)]},
            "2026-05-01 as both",
        ),
    ],
)
def test_invalid_calendar_configuration_is_rejected(
    weekly: dict[int, list[tuple[time, time]]], overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar("x", SHANGHAI, weekly, **overrides)


def naive_calls(calendar: Calendar) -> list[Callable[[], object]]:
    naive = datetime(2026, 11, 23, 10)
    aware = sh(2026, 11, 23, 10)
    return [
        lambda: calendar.add(naive, 60),
        lambda: calendar.measure(naive, aware),
        lambda: calendar.measure(aware, naive),
        lambda: calendar.is_open(naive),
        lambda: calendar.next_open(naive),
    ]


@pytest.mark.parametrize("calendar", [make_office(), AlwaysOpen(name="24x7", tz=SHANGHAI)], ids=repr)
def test_naive_datetimes_are_rejected(calendar: Calendar) -> None:
    for call in naive_calls(calendar):
        with pytest.raises(ValueError, match="naive"):
            call()
