"""Properties of add and measure that must hold on any calendar, for any start and amount."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.calendar import AlwaysOpen, BusinessCalendar, Calendar, parse_range

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
ONE_US = timedelta(microseconds=1)


def _ranges(*texts: str) -> list[tuple[time, time]]:
    return [parse_range(text) for text in texts]


OFFICE = BusinessCalendar(
    "office", SHANGHAI, {day: _ranges("09:00-12:00", "13:30-18:00") for day in range(5)}, country="CN"
)
# No public holidays, so any year is covered: split shifts, a Friday night shift running into Saturday and
# Sunday ranges whose boundaries fall inside Berlin's DST gap and repeated hour.
SHIFTS = BusinessCalendar(
    "shifts",
    BERLIN,
    {
        0: _ranges("08:00-12:00", "13:00-17:00"),
        1: _ranges("08:00-12:00", "13:00-17:00"),
        2: _ranges("00:00-24:00"),
        3: _ranges("08:00-12:00", "13:00-17:00"),
        4: _ranges("08:00-12:00", "22:00-02:30"),
        6: _ranges("02:30-03:30", "20:00-24:00"),
    },
    country=None,
)
ALWAYS = AlwaysOpen(name="24x7", tz=BERLIN)

# (calendar, earliest start, latest start, largest amount in seconds, largest measured span in days):
# the CN calendar has holiday data up to 2026 only, so its examples stay within 2026.
CASES = {
    "office": (OFFICE, datetime(2026, 1, 1), datetime(2026, 11, 30), 10 * 27000, 12),
    "shifts": (SHIFTS, datetime(2000, 1, 1), datetime(2030, 12, 31), 40 * 86400, 20),
    "24x7": (ALWAYS, datetime(2000, 1, 1), datetime(2030, 12, 31), 40 * 86400, 20),
}
PROPERTY = settings(max_examples=200, deadline=None)


def starts(name: str) -> st.SearchStrategy[datetime]:
    calendar, low, high, _, _ = CASES[name]
    return st.datetimes(min_value=low, max_value=high, timezones=st.just(calendar.tz))


def amounts(name: str) -> st.SearchStrategy[float]:
    return st.one_of(
        st.integers(min_value=0, max_value=CASES[name][3]).map(float),
        st.floats(min_value=0, max_value=CASES[name][3], allow_nan=False, allow_infinity=False),
    )


def later(at: datetime, seconds: float) -> datetime:
    """`at` plus real elapsed seconds (aware arithmetic in one zone would add wall-clock time)."""
    return (at.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(at.tzinfo)


def utc(at: datetime) -> datetime:
    return at.astimezone(UTC)


@pytest.mark.parametrize("name", CASES)
def test_measure_of_add_gives_back_the_amount(name: str) -> None:
    calendar: Calendar = CASES[name][0]

    @PROPERTY
    @given(start=starts(name), seconds=amounts(name))
    def check(start: datetime, seconds: float) -> None:
        assert calendar.measure(start, calendar.add(start, seconds)) == pytest.approx(seconds, abs=1e-6)

    check()


@pytest.mark.parametrize("name", CASES)
def test_add_is_monotonic_in_the_start(name: str) -> None:
    calendar: Calendar = CASES[name][0]

    @PROPERTY
    @given(start=starts(name), gap=st.floats(min_value=0, max_value=5 * 86400), seconds=amounts(name))
    def check(start: datetime, gap: float, seconds: float) -> None:
        assert utc(calendar.add(start, seconds)) <= utc(calendar.add(later(start, gap), seconds))

    check()


@pytest.mark.parametrize("name", CASES)
def test_add_is_monotonic_in_the_amount(name: str) -> None:
    calendar: Calendar = CASES[name][0]

    @PROPERTY
    @given(start=starts(name), first=amounts(name), second=amounts(name))
    def check(start: datetime, first: float, second: float) -> None:
        low, high = sorted((first, second))
        assert utc(calendar.add(start, low)) <= utc(calendar.add(start, high))

    check()


@pytest.mark.parametrize("name", CASES)
def test_a_positive_add_never_ends_inside_a_closed_period(name: str) -> None:
    calendar: Calendar = CASES[name][0]

    @PROPERTY
    @given(start=starts(name), seconds=amounts(name).filter(lambda seconds: seconds > 0))
    def check(start: datetime, seconds: float) -> None:
        due = calendar.add(start, seconds)
        assert calendar.is_open(utc(due) - ONE_US)

    check()


@pytest.mark.parametrize("name", CASES)
def test_add_result_is_in_the_calendar_zone(name: str) -> None:
    calendar: Calendar = CASES[name][0]

    @settings(max_examples=50, deadline=None)
    @given(start=starts(name), seconds=amounts(name))
    def check(start: datetime, seconds: float) -> None:
        assert calendar.add(start.astimezone(UTC), seconds).tzinfo is calendar.tz

    check()


@pytest.mark.parametrize("name", CASES)
def test_measure_is_additive(name: str) -> None:
    calendar: Calendar = CASES[name][0]
    spans = st.floats(min_value=0, max_value=CASES[name][4] * 86400)

    @PROPERTY
    @given(start=starts(name), first=spans, second=spans)
    def check(start: datetime, first: float, second: float) -> None:
        middle = later(start, first)
        end = later(middle, second)
        whole = calendar.measure(start, end)
        assert calendar.measure(start, middle) + calendar.measure(middle, end) == pytest.approx(whole, abs=1e-6)
        assert 0 <= whole <= (utc(end) - utc(start)).total_seconds() + 1e-6

    check()


@pytest.mark.parametrize("name", CASES)
def test_next_open_is_open_and_nothing_before_it_is(name: str) -> None:
    calendar: Calendar = CASES[name][0]

    @PROPERTY
    @given(start=starts(name))
    def check(start: datetime) -> None:
        opening = calendar.next_open(start)
        assert utc(opening) >= utc(start)
        assert calendar.is_open(opening)
        assert calendar.measure(start, opening) == 0

    check()
