"""Target lengths written in the policy file ("2h", "1h30m", "15d") in, `Target` values and compact text out.

A target keeps whole days apart from the rest because a "day" is 24 h on a 24x7 calendar but one
working day on a business calendar; the calendar turns a `Target` into seconds (`Calendar.seconds_of`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.domain.words import Language

__all__ = ["Target", "format_seconds", "parse_target", "spoken"]

_PATTERN = re.compile(r"(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?", re.ASCII)
_HINT = "use forms like 45s, 30m, 2h, 1h30m, 15d"


@dataclass(frozen=True, slots=True)
class Target:
    """A target length: `days` whole days (calendar-dependent) plus `seconds` of open time."""

    seconds: int
    days: int = 0

    def __post_init__(self) -> None:
        for field_name in ("seconds", "days"):
            value = getattr(self, field_name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"Target.{field_name} must be a non-negative int, got {value!r}")
        if self.seconds == 0 and self.days == 0:
            raise ValueError("a target must be longer than zero")

    def __str__(self) -> str:
        """The canonical compact text, e.g. ``1h30m`` or ``1d4h``; `parse_target` reads it back."""
        if self.days == 0:
            return format_seconds(self.seconds)
        return f"{self.days}d" + (format_seconds(self.seconds) if self.seconds else "")


def parse_target(text: str) -> Target:
    """Parse a compact duration: units d, h, m, s, each at most once and in that order, no spaces."""
    match = _PATTERN.fullmatch(text) if isinstance(text, str) else None
    if match is None or not text:
        raise ValueError(f"{text!r} is not a duration: {_HINT}")
    days, hours, minutes, seconds = (int(group) if group else 0 for group in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total == 0 and days == 0:
        raise ValueError(f"{text!r} is not a duration: it must be longer than zero ({_HINT})")
    return Target(seconds=total, days=days)


def format_seconds(seconds: int) -> str:
    """Compact text for whole seconds, hours not folded into days: 5400 -> ``1h30m``, 0 -> ``0s``."""
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
        raise ValueError(f"seconds must be a non-negative int, got {seconds!r}")
    if seconds == 0:
        return "0s"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return "".join(f"{value}{unit}" for value, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if value)


def spoken(seconds: int, language: Language = "en", compact: bool = False) -> str:
    """How long, as notices and digests say it: `15 分钟`, `3 小时 5 分钟`, from two days on `2 天 3 小时` (compact:
    without spaces); in English `15 min`, `3 h 05 min`, `2 d 3 h`."""
    minutes = max(0, seconds) // 60
    hours, rest = divmod(minutes, 60)
    days, hours_left = divmod(hours, 24)
    if language == "zh-CN":
        if minutes == 0:
            text = "不到 1 分钟"
        elif hours == 0:
            text = f"{minutes} 分钟"
        elif hours < 48:
            text = f"{hours} 小时" + (f" {rest} 分钟" if rest else "")
        else:
            text = f"{days} 天" + (f" {hours_left} 小时" if hours_left else "")
        return text.replace(" ", "") if compact else text
    if minutes == 0:
        return "under a minute"
    if hours == 0:
        return f"{minutes} min"
    if hours < 48:
        return f"{hours} h {rest:02d} min" if rest else f"{hours} h"
    return f"{days} d {hours_left} h" if hours_left else f"{days} d"
