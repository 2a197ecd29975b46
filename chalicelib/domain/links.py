"""Links people follow: a complaint's page in the staff console (and the console's board), and the short link an
SMS has room for (`/c/{code}`, the complaint id in base 62). Pure."""

from __future__ import annotations

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SHORT_CODE_LENGTH = 22  # 62**22 > 2**128: any 32-hex-digit complaint id fits
CONSOLE_PATH = "/console/complaints/"


def console_link(base_url: str, complaint_id: str) -> str:
    """The complaint's page in the staff console."""
    return f"{base_url.rstrip('/')}{CONSOLE_PATH}{complaint_id}"


def board_link(base_url: str) -> str:
    """The staff console's board (every open complaint, the breached first)."""
    return f"{base_url.rstrip('/')}/console"


def short_code(complaint_id: str) -> str:
    """A complaint id (32 hex digits) as 22 base-62 characters, for a link short enough for one SMS."""
    number = int(complaint_id, 16)
    digits = []
    for _ in range(SHORT_CODE_LENGTH):
        number, digit = divmod(number, 62)
        digits.append(_BASE62[digit])
    return "".join(reversed(digits))


def complaint_id_of(code: str) -> str | None:
    """The complaint id a short code stands for; None when it is not one `short_code` makes."""
    if len(code) != SHORT_CODE_LENGTH or any(char not in _BASE62 for char in code):
        return None
    number = 0
    for char in code:
        number = number * 62 + _BASE62.index(char)
    return f"{number:032x}" if number < 2**128 else None
