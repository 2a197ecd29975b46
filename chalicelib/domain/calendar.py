"""Open-time arithmetic: an aware start instant and a number of open seconds in, a due instant out.

A `Calendar` says when the clock that an SLA target counts runs: always (`AlwaysOpen`, the 24x7 calendar) or
during weekly opening ranges on working days (`BusinessCalendar`, with public holidays and adjusted working
days from the `holidays` package plus the operator's own lists). All instants are timezone-aware; results come
back in the calendar's time zone. Internally every instant is an integer count of microseconds since the Unix
epoch, so sums and differences are exact, and business-hours math jumps from one open interval to the next.

Confirmed and provisional years: China publishes each year's adjusted working days (调休) in November or
December. A year is *confirmed* when the package has its adjusted days or the operator declares it
(`confirmed_years`); a later year the package still knows the statutory holidays of is *provisional*: it is
computed from those holidays and the weekly hours, and `provisional_years` names it so that callers can mark
their results and recompute them once the year is confirmed. Only a year outside the package's range
altogether raises `CalendarNotCovered`.

DST: wall-clock opening ranges are turned into real instants through UTC. A range boundary that falls in
a DST gap (a wall time that does not exist) is placed at the instant the clocks jump, i.e. the first
instant whose wall time is at or after it; a boundary in a repeated hour uses its first occurrence
(``fold=0``). `measure` counts real elapsed seconds, so a repeated hour inside a range counts once per
real second (a range covering the whole night is an hour longer that day, or shorter on the gap day).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.durations import Target

__all__ = [
    "END_OF_DAY",
    "AlwaysOpen",
    "BusinessCalendar",
    "Calendar",
    "CalendarNotCovered",
    "YearSchedule",
    "parse_range",
]

END_OF_DAY = time.max
"""How "24:00" (the end of a day, i.e. the next midnight) is represented as a range end: ``time.max``."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_ONE_DAY = timedelta(days=1)
_US_PER_SECOND = 1_000_000
_US_PER_DAY = 86_400 * _US_PER_SECOND
_US_PER_WEEK = 7 * _US_PER_DAY
_MAX_CLOSED_DAYS = 3660  # a calendar closed for ten years in a row is a configuration error
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_RANGE = re.compile(r"([0-9]{1,2}):([0-9]{2})-([0-9]{1,2}):([0-9]{2})", re.ASCII)

Interval = tuple[int, int]  # [start, end) in microseconds since the epoch


class CalendarNotCovered(Exception):
    """A computation needs to know whether a date is a working day in a year nobody has holiday data for."""

    def __init__(self, calendar: str, year: int, detail: str = "") -> None:
        super().__init__(calendar, year, detail)
        self.calendar = calendar
        self.year = year
        self.detail = detail

    def __str__(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return (
            f"calendar {self.calendar!r} has no holiday data for {self.year}{detail}; "
            "declare that year under confirmed_years in the policy file"
        )


@dataclass(frozen=True)
class YearSchedule:
    """A year's official schedule as the operator declares it: the days off and the adjusted working days,
    on top of the statutory holidays the package knows (a working day listed here wins over them)."""

    days_off: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()


def _to_us(at: datetime) -> int:
    return (at - _EPOCH) // _ONE_US


def _check_aware(at: datetime, what: str = "datetime") -> None:
    if not isinstance(at, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(at).__name__}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive {what} {at.isoformat()}: pass a timezone-aware datetime")


def _seconds_to_us(seconds: float) -> int:
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        raise TypeError(f"seconds must be a number, got {type(seconds).__name__}")
    if not seconds >= 0 or seconds == float("inf"):
        raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
    if seconds == 0:
        return 0
    return max(1, round(seconds * _US_PER_SECOND))  # a positive amount always moves at least 1 µs


def _time_us(value: time) -> int:
    if value == END_OF_DAY:
        return _US_PER_DAY
    return ((value.hour * 60 + value.minute) * 60 + value.second) * _US_PER_SECOND + value.microsecond


def _format_time(value: time) -> str:
    if value == END_OF_DAY:
        return "24:00"
    return value.isoformat(timespec="minutes" if not (value.second or value.microsecond) else "auto")


def _format_range(start: time, end: time) -> str:
    return f"{_format_time(start)}-{_format_time(end)}"


def parse_range(text: str) -> tuple[time, time]:
    """Parse ``"HH:MM-HH:MM"``; an end at or before the start runs past midnight, ``24:00`` is END_OF_DAY.

    A whole day is ``"00:00-24:00"``; a zero-length range such as ``"09:00-09:00"`` is rejected.
    """
    match = _RANGE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not an opening range: use HH:MM-HH:MM, e.g. 09:00-12:00 or 22:00-06:00")
    start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
    if start_h > 23 or start_m > 59 or end_m > 59 or end_h > 24 or (end_h == 24 and end_m != 0):
        raise ValueError(f"{text!r} is not an opening range: hours 00-23 (24:00 only as an end), minutes 00-59")
    start = time(start_h, start_m)
    end = END_OF_DAY if end_h == 24 else time(end_h, end_m)
    _check_range(start, end)
    return start, end


def _check_range(start: time, end: time) -> None:
    for value in (start, end):
        if not isinstance(value, time):
            raise TypeError(f"opening range bounds must be datetime.time, got {type(value).__name__}")
        if value.tzinfo is not None:
            raise ValueError(f"opening range bound {value} must be a wall-clock time without tzinfo")
    if start == END_OF_DAY:
        raise ValueError("an opening range cannot start at 24:00")
    if start == end:
        raise ValueError(f"opening range {_format_range(start, end)} has zero length; a whole day is 00:00-24:00")


class Calendar(ABC):
    """When the SLA clock runs. Instants in and out are timezone-aware; results are in `tz`."""

    name: str
    tz: ZoneInfo
    working_day_seconds: int

    def seconds_of(self, target: Target) -> int:
        """Open seconds a target stands for: ``days * working_day_seconds + seconds``."""
        return target.days * self.working_day_seconds + target.seconds

    @abstractmethod
    def add(self, start: datetime, seconds: float) -> datetime:
        """Earliest instant at which `seconds` of open time have elapsed since `start`; ``add(x, 0) == x``."""

    @abstractmethod
    def measure(self, start: datetime, end: datetime) -> float:
        """Open seconds in ``[start, end)``; 0 if `end` is not after `start`."""

    @abstractmethod
    def is_open(self, at: datetime) -> bool:
        """Whether the clock runs at instant `at` (ranges are half-open: closed at a range's end)."""

    @abstractmethod
    def next_open(self, at: datetime) -> datetime:
        """`at` itself if open, else the next instant at which the calendar opens."""

    def is_confirmed(self, year: int) -> bool:
        """Whether `year`'s working days are known for sure (always, without a holiday schedule)."""
        return True

    def provisional_years(self, start: datetime, end: datetime) -> tuple[int, ...]:
        """The years between `start` and `end` (local dates, either order) whose schedule is not confirmed."""
        _check_aware(start, "start")
        _check_aware(end, "end")
        low, high = sorted((start.astimezone(self.tz).year, end.astimezone(self.tz).year))
        return tuple(year for year in range(low, high + 1) if not self.is_confirmed(year))

    def confirmed_through(self, today: date) -> date | None:
        """The last day of the run of confirmed years that starts with `today`'s year (the day before the
        first provisional one); None when every year is as good as confirmed (no holiday schedule)."""
        return None

    def _from_us(self, us: int) -> datetime:
        return (_EPOCH + timedelta(microseconds=us)).astimezone(self.tz)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, tz={str(self.tz)!r})"


class AlwaysOpen(Calendar):
    """The 24x7 calendar: every real second counts and a target day is 24 h."""

    def __init__(self, name: str = "24x7", tz: ZoneInfo | None = None) -> None:
        self.name = name
        self.tz = tz if tz is not None else ZoneInfo("Asia/Shanghai")
        self.working_day_seconds = 86_400

    def add(self, start: datetime, seconds: float) -> datetime:
        """`start` plus `seconds` of real elapsed time (through UTC, so DST changes are counted right)."""
        _check_aware(start, "start")
        return self._from_us(_to_us(start) + _seconds_to_us(seconds))

    def measure(self, start: datetime, end: datetime) -> float:
        """Real seconds elapsed from `start` to `end`; 0 if `end` is not after `start`."""
        _check_aware(start, "start")
        _check_aware(end, "end")
        return max(0, _to_us(end) - _to_us(start)) / _US_PER_SECOND

    def is_open(self, at: datetime) -> bool:
        """Always true."""
        _check_aware(at, "at")
        return True

    def next_open(self, at: datetime) -> datetime:
        """`at` itself, in the calendar's time zone."""
        _check_aware(at, "at")
        return at.astimezone(self.tz)


def _normalize_entries(entries: Any) -> tuple[tuple[Any, ...], ...]:
    if not entries:
        return ()
    if isinstance(entries, tuple) and isinstance(entries[0], tuple):
        return entries
    return (tuple(entries),)


@dataclass(frozen=True)
class _Coverage:
    """What the holidays package knows of a country: statutory holidays for `first`..`last`, and its
    adjusted working days (an announced-each-year schedule) through `confirmed_until`."""

    first: int
    last: int
    confirmed_until: int


@lru_cache(maxsize=64)
def _package_coverage(country: str, subdivision: str | None) -> _Coverage:
    """The years the holidays package knows for a country: statutory holidays start_year..end_year; for a
    country whose adjusted working days are announced each year, confirmed only through the last announced
    one (elsewhere every year of the range is confirmed)."""
    import holidays

    try:
        entity = holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError as error:  # unknown country code or subdivision
        where = country if subdivision is None else f"{country}-{subdivision}"
        raise ValueError(f"holidays package has no data for {where!r}: {error}") from error
    first, last = int(type(entity).start_year), int(type(entity).end_year)
    special = getattr(entity, "special_public_holidays", None) or {}
    announced = [
        int(year) for year, entries in special.items() if any(len(entry) >= 4 for entry in _normalize_entries(entries))
    ]
    return _Coverage(first, last, min(last, max(announced)) if announced else last)


@lru_cache(maxsize=256)
def _package_year(country: str, subdivision: str | None, year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(public holidays, adjusted working days) the holidays package lists for dates in `year`."""
    import holidays

    coverage = _package_coverage(country, subdivision)
    years = [y for y in (year - 1, year, year + 1) if coverage.first <= y <= coverage.last]  # observed days spill
    entity = holidays.country_holidays(country, subdiv=subdivision, years=years)
    days_off = frozenset(day for day in entity if day.year == year)
    worked = frozenset(day for day in getattr(entity, "weekend_workdays", ()) if day.year == year)
    return days_off, worked


class BusinessCalendar(Calendar):
    """Weekly opening ranges on working days, in `tz`.

    `weekly` maps weekday (0=Mon..6=Sun) to wall-clock ranges ``(start, end)``; several ranges per day make a
    split shift, an end at or before the start runs past midnight (the shift belongs to its start day), and
    END_OF_DAY ends at the next midnight. A working day is a date whose weekday has ranges and that is neither
    a public holiday of `country`/`subdivision` (``None``: no public holidays) nor in `extra_holidays`; or an
    adjusted working day from the holidays package; or a date in `extra_working_days` (which wins over the
    package's holidays). A working day whose weekday has no ranges uses the ranges of `adjusted_day_hours`.
    `confirmed_years` declares years' official schedules (`YearSchedule`): such a year is confirmed, its
    days off and working days count on top of the package's statutory holidays. The extra lists are the
    company's own days: they apply in every year and confirm none. A year the package has statutory
    holidays for but no adjusted working days is provisional (see the module docstring); a date outside
    the package's range raises `CalendarNotCovered` when (and only when) a computation touches it.
    """

    def __init__(
        self,
        name: str,
        tz: ZoneInfo,
        weekly: Mapping[int, Sequence[tuple[time, time]]],
        country: str | None = "CN",
        subdivision: str | None = None,
        extra_holidays: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        working_day_seconds: int | None = None,
        adjusted_day_hours: int = 0,
        confirmed_years: Mapping[int, YearSchedule] | None = None,
    ) -> None:
        self.name = name
        self.tz = tz
        self.country = country
        self.subdivision = subdivision
        self._weekly = self._validate_weekly(weekly)
        if adjusted_day_hours not in range(7):
            raise ValueError(f"adjusted_day_hours must be a weekday 0 (Mon)..6 (Sun), got {adjusted_day_hours!r}")
        if not self._weekly[adjusted_day_hours]:
            raise ValueError(
                f"adjusted_day_hours={adjusted_day_hours} ({_DAY_NAMES[adjusted_day_hours]}) has no opening "
                "ranges; adjusted working days need a weekday with opening hours to copy"
            )
        self.adjusted_day_hours = adjusted_day_hours
        self._extra_holidays = frozenset(self._validate_dates(extra_holidays, "extra_holidays"))
        self._extra_working_days = frozenset(self._validate_dates(extra_working_days, "extra_working_days"))
        if both := sorted(self._extra_holidays & self._extra_working_days):
            listed = ", ".join(day.isoformat() for day in both)
            raise ValueError(f"calendar {name!r} lists {listed} as both an extra holiday and a working day")
        self._confirmed = dict(confirmed_years or {})
        for year, schedule in self._confirmed.items():
            stray = sorted(d for d in schedule.days_off | schedule.working_days if d.year != year)
            if stray:
                shown = stray[0].isoformat()
                raise ValueError(f"confirmed year {year} of calendar {name!r} lists {shown}, a date of another year")
            if both := sorted(schedule.days_off & schedule.working_days):
                shown = both[0].isoformat()
                raise ValueError(f"confirmed year {year} lists {shown} as both a day off and a working day")
        if working_day_seconds is None:
            working_day_seconds = (
                max(sum(self._length_us(start, end) for start, end in ranges) for ranges in self._weekly)
                // _US_PER_SECOND
            )
        if isinstance(working_day_seconds, bool) or not isinstance(working_day_seconds, int):
            raise TypeError(f"working_day_seconds must be an int, got {working_day_seconds!r}")
        if working_day_seconds <= 0:
            raise ValueError(f"working_day_seconds must be positive, got {working_day_seconds}")
        self.working_day_seconds = working_day_seconds
        # Weekday templates that can run past midnight: only then does a day depend on the day before.
        self._spills = tuple(
            any(self._length_us(s, e) + _time_us(s) > _US_PER_DAY for s, e in self._template(weekday))
            for weekday in range(7)
        )
        self._shift_cache: dict[date, tuple[Interval, ...]] = {}
        self._segment_cache: dict[date, tuple[Interval, ...]] = {}
        self._midnight_cache: dict[date, int] = {}

    # ----- construction helpers -----

    @staticmethod
    def _length_us(start: time, end: time) -> int:
        length = _time_us(end) - _time_us(start)
        return length if length > 0 else length + _US_PER_DAY

    @classmethod
    def _validate_weekly(
        cls, weekly: Mapping[int, Sequence[tuple[time, time]]]
    ) -> tuple[tuple[tuple[time, time], ...], ...]:
        days: list[list[tuple[time, time]]] = [[] for _ in range(7)]
        for weekday, ranges in weekly.items():
            if isinstance(weekday, bool) or weekday not in range(7):
                raise ValueError(f"weekday keys run 0 (Mon) .. 6 (Sun), got {weekday!r}")
            for pair in ranges:
                start, end = pair
                _check_range(start, end)
                days[weekday].append((start, end))
        spans: list[tuple[int, int, int, time, time]] = []
        for weekday, ranges in enumerate(days):
            ranges.sort(key=lambda pair: _time_us(pair[0]))
            for start, end in ranges:
                begin = weekday * _US_PER_DAY + _time_us(start)
                spans.append((begin, begin + cls._length_us(start, end), weekday, start, end))
        if not spans:
            raise ValueError("a business calendar needs at least one opening range")
        spans.sort()
        # Compare each range with the next one on the week's timeline, wrapping Sunday night into Monday.
        for index, (_, span_end, weekday, start, end) in enumerate(spans):
            next_begin, _, next_weekday, next_start, next_end = spans[(index + 1) % len(spans)]
            if index + 1 == len(spans):
                next_begin += _US_PER_WEEK
            if span_end > next_begin:
                raise ValueError(
                    f"opening ranges overlap: {_DAY_NAMES[weekday]} {_format_range(start, end)} and "
                    f"{_DAY_NAMES[next_weekday]} {_format_range(next_start, next_end)}"
                )
        return tuple(tuple(ranges) for ranges in days)

    @staticmethod
    def _validate_dates(days: Iterable[date], what: str) -> list[date]:
        result = list(days)
        for day in result:
            if isinstance(day, datetime) or not isinstance(day, date):
                raise TypeError(f"{what} must hold dates, got {day!r}")
        return result

    def _template(self, weekday: int) -> tuple[tuple[time, time], ...]:
        """Ranges of a working day falling on `weekday` (its own, else those of `adjusted_day_hours`)."""
        return self._weekly[weekday] or self._weekly[self.adjusted_day_hours]

    # ----- working days -----

    def _is_working(self, day: date) -> bool:
        if day in self._extra_working_days:
            return True
        if day in self._extra_holidays:
            return False
        declared = self._confirmed.get(day.year)
        if declared is not None:
            if day in declared.working_days:
                return True
            if day in declared.days_off:
                return False
        if self.country is not None:
            coverage = _package_coverage(self.country, self.subdivision)
            if coverage.first <= day.year <= coverage.last:
                days_off, worked = _package_year(self.country, self.subdivision, day.year)
                if day in worked:
                    return True
                if day in days_off:
                    return False
            elif declared is None:
                area = self.country if self.subdivision is None else f"{self.country}-{self.subdivision}"
                span = f"until {coverage.last}" if day.year > coverage.last else f"from {coverage.first}"
                raise CalendarNotCovered(self.name, day.year, f"holidays package covers {area} {span}")
        return bool(self._weekly[day.weekday()])

    def is_confirmed(self, year: int) -> bool:
        """Whether `year`'s working days are known for sure: declared in the policy, or adjusted days in the
        package (every year is, for a calendar without public holidays)."""
        if year in self._confirmed or self.country is None:
            return True
        coverage = _package_coverage(self.country, self.subdivision)
        return coverage.first <= year <= coverage.confirmed_until

    def confirmed_through(self, today: date) -> date | None:
        """The last day before the first provisional year from `today`'s year on; None without a schedule."""
        if self.country is None:
            return None
        year = today.year
        while self.is_confirmed(year):
            year += 1
        return date(year - 1, 12, 31)

    # ----- wall clock to instants -----

    def _wall_us(self, day: date, wall: time, days_later: int = 0) -> int:
        """Instant of wall time `wall` on `day` (+ `days_later`); one in a DST gap maps to the jump."""
        naive = datetime.combine(day, wall) + timedelta(days=days_later)
        us = _to_us(naive.replace(tzinfo=self.tz))
        if self._from_us(us).replace(tzinfo=None) == naive:
            return us
        # In a gap fold=0 lands after the jump and fold=1 before it: find the first second showing >= naive.
        low = _to_us(naive.replace(tzinfo=self.tz, fold=1)) // _US_PER_SECOND  # wall time < naive
        high = -(-us // _US_PER_SECOND)  # wall time > naive
        while high - low > 1:
            middle = (low + high) // 2
            if self._from_us(middle * _US_PER_SECOND).replace(tzinfo=None) >= naive:
                high = middle
            else:
                low = middle
        return high * _US_PER_SECOND

    def _midnight(self, day: date) -> int:
        us = self._midnight_cache.get(day)
        if us is None:
            us = self._midnight_cache[day] = self._wall_us(day, time(0))
        return us

    def _shifts(self, day: date) -> tuple[Interval, ...]:
        """Open intervals of the shifts that start on `day` (empty unless it is a working day)."""
        shifts = self._shift_cache.get(day)
        if shifts is None:
            found: list[Interval] = []
            if self._is_working(day):
                for start, end in self._template(day.weekday()):
                    start_us = _time_us(start)
                    end_us = start_us + self._length_us(start, end)
                    begin = self._wall_us(day, start)
                    if end_us == _US_PER_DAY:
                        finish = self._wall_us(day, time(0), 1)
                    else:
                        finish = self._wall_us(day, end, end_us // _US_PER_DAY)
                    if finish > begin:  # a range inside a DST gap vanishes
                        found.append((begin, finish))
            shifts = self._shift_cache[day] = tuple(found)
        return shifts

    def _segments(self, day: date) -> tuple[Interval, ...]:
        """Sorted, disjoint open intervals within the local day [midnight(day), midnight(day + 1))."""
        segments = self._segment_cache.get(day)
        if segments is None:
            low, high = self._midnight(day), self._midnight(day + _ONE_DAY)
            previous = day - _ONE_DAY
            pieces = [
                (max(begin, low), min(finish, high))
                for begin, finish in (
                    (self._shifts(previous) if self._spills[previous.weekday()] else ()) + self._shifts(day)
                )
                if min(finish, high) > max(begin, low)
            ]
            pieces.sort()
            merged: list[Interval] = []
            for begin, finish in pieces:
                if merged and begin <= merged[-1][1]:
                    if finish > merged[-1][1]:
                        merged[-1] = (merged[-1][0], finish)
                else:
                    merged.append((begin, finish))
            segments = self._segment_cache[day] = tuple(merged)
        return segments

    def _day_of(self, us: int) -> date:
        """The local day whose [midnight, next midnight) holds instant `us`."""
        day = self._from_us(us).date()
        if us < self._midnight(day):
            return day - _ONE_DAY
        if us >= self._midnight(day + _ONE_DAY):
            return day + _ONE_DAY
        return day

    # ----- public API -----

    def add(self, start: datetime, seconds: float) -> datetime:
        """Earliest instant at which `seconds` of open time have elapsed since `start`.

        Counting begins at the next opening if `start` is closed; a result landing on the end of a range
        is that end (12:00, not 13:30). ``add(x, 0)`` is `x` (in the calendar's time zone).
        """
        _check_aware(start, "start")
        remaining = _seconds_to_us(seconds)
        now = _to_us(start)
        if remaining == 0:
            return start.astimezone(self.tz)
        day = self._day_of(now)
        closed_days = 0
        while True:
            segments = self._segments(day)
            for begin, finish in segments:
                if finish <= now:
                    continue
                begin = max(begin, now)
                if remaining <= finish - begin:
                    return self._from_us(begin + remaining)
                remaining -= finish - begin
            closed_days = 0 if segments else closed_days + 1
            if closed_days > _MAX_CLOSED_DAYS:
                raise ValueError(f"calendar {self.name!r} has not opened for {_MAX_CLOSED_DAYS} days")
            day += _ONE_DAY

    def measure(self, start: datetime, end: datetime) -> float:
        """Open seconds in ``[start, end)`` (real elapsed seconds); 0 if `end` is not after `start`."""
        _check_aware(start, "start")
        _check_aware(end, "end")
        low, high = _to_us(start), _to_us(end)
        if high <= low:
            return 0.0
        total = 0
        day, last = self._day_of(low), self._day_of(high - 1)
        while day <= last:
            for begin, finish in self._segments(day):
                overlap = min(finish, high) - max(begin, low)
                if overlap > 0:
                    total += overlap
            day += _ONE_DAY
        return total / _US_PER_SECOND

    def is_open(self, at: datetime) -> bool:
        """Whether `at` lies inside an opening range (closed exactly at a range's end)."""
        _check_aware(at, "at")
        now = _to_us(at)
        return any(begin <= now < finish for begin, finish in self._segments(self._day_of(now)))

    def next_open(self, at: datetime) -> datetime:
        """`at` itself if open, else the start of the next opening range, in the calendar's time zone."""
        _check_aware(at, "at")
        now = _to_us(at)
        day = self._day_of(now)
        for _ in range(_MAX_CLOSED_DAYS):
            for begin, finish in self._segments(day):
                if finish > now:
                    return at.astimezone(self.tz) if begin <= now else self._from_us(begin)
            day += _ONE_DAY
        raise ValueError(f"calendar {self.name!r} has not opened for {_MAX_CLOSED_DAYS} days")
