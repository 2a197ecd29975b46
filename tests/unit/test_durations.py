"""Compact target durations: what parses, what is rejected, and the canonical text."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chalicelib.domain.durations import Target, format_seconds, parse_target


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45s", Target(seconds=45, days=0)),
        ("30m", Target(seconds=1800, days=0)),
        ("2h", Target(seconds=7200, days=0)),
        ("15d", Target(seconds=0, days=15)),
        ("1h30m", Target(seconds=5400, days=0)),
        ("7h30m", Target(seconds=27000, days=0)),
        ("1d4h", Target(seconds=14400, days=1)),
        ("1d2h3m4s", Target(seconds=7384, days=1)),
        ("90m", Target(seconds=5400, days=0)),
        ("36h", Target(seconds=129600, days=0)),
    ],
)
def test_parse_target_accepts_compact_forms(text: str, expected: Target) -> None:
    assert parse_target(text) == expected


def test_parse_target_keeps_hours_apart_from_days() -> None:
    assert parse_target("48h") == Target(seconds=172800, days=0)
    assert parse_target("2d") == Target(seconds=0, days=2)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2x",
        "h",
        "2",
        "1m1h",
        "1h1h",
        "30m2h",
        "1s1d",
        " 2h",
        "2h ",
        "1h 30m",
        "1.5h",
        "-1h",
        "+1h",
        "2H",
        "2 h",
        "\uff12h",
        "1w",
    ],
)
def test_parse_target_rejects_malformed_text_with_a_hint(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a duration.*45s, 30m, 2h, 1h30m, 15d"):
        parse_target(text)


@pytest.mark.parametrize("text", ["0s", "0h", "0d", "0d0h0m0s"])
def test_parse_target_rejects_zero_length(text: str) -> None:
    with pytest.raises(ValueError, match="longer than zero"):
        parse_target(text)


def test_parse_target_error_quotes_the_text() -> None:
    with pytest.raises(ValueError, match=r"^'2x' is not a duration: use forms like"):
        parse_target("2x")


@pytest.mark.parametrize(
    ("target", "text"),
    [
        (Target(5400, 0), "1h30m"),
        (Target(45, 0), "45s"),
        (Target(0, 15), "15d"),
        (Target(14400, 1), "1d4h"),
        (Target(90000, 0), "25h"),
        (Target(3661, 2), "2d1h1m1s"),
    ],
)
def test_target_str_is_canonical_compact_text(target: Target, text: str) -> None:
    assert str(target) == text


def test_str_of_a_non_canonical_parse_is_canonical() -> None:
    assert str(parse_target("90m")) == "1h30m"


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (59, "59s"), (60, "1m"), (3661, "1h1m1s"), (86400, "24h")])
def test_format_seconds_uses_compact_style(seconds: int, text: str) -> None:
    assert format_seconds(seconds) == text


def test_format_seconds_rejects_negative() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        format_seconds(-1)


@pytest.mark.parametrize(("seconds", "days"), [(-1, 0), (0, -1), (0, 0)])
def test_target_rejects_negative_or_empty_lengths(seconds: int, days: int) -> None:
    with pytest.raises(ValueError, match=r"Target|zero"):
        Target(seconds=seconds, days=days)


def test_target_is_frozen() -> None:
    target = Target(60, 0)
    with pytest.raises(AttributeError):
        target.seconds = 5  # type: ignore[misc]


@settings(max_examples=200, deadline=None)
@given(seconds=st.integers(min_value=0, max_value=10**7), days=st.integers(min_value=0, max_value=400))
def test_str_round_trips_through_parse_target(seconds: int, days: int) -> None:
    assume(seconds > 0 or days > 0)
    target = Target(seconds=seconds, days=days)
    assert parse_target(str(target)) == target
