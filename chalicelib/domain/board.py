"""The board: complaints not yet closed -> rows ordered by their next breach, each with the clock at stake, and the
count per grade. Already breached first (most overdue first), then by the time left to the deadline; complaints
whose clocks are all paused next, then those with no clock running. Pure: `now` is passed in.

The clock at stake of a complaint is among its running clocks (its paused ones if none runs): the worst graded,
and of those the one whose deadline comes first. A running clock without a deadline (a year without holiday
data) is never silent: such a complaint comes first, marked so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.domain import clocks as clock_rules
from chalicelib.domain.clocks import Clock
from chalicelib.domain.model import Complaint
from chalicelib.domain.vocabulary import Category, ClockName, ClockState, Grade, Priority, Status

GRADES: tuple[Grade, ...] = tuple(Grade)
BOARD_STATUSES: tuple[Status, ...] = (Status.OPEN, Status.RESOLVED)
"""What the board shows: every complaint not yet closed (a resolved one waits for its follow-up)."""

_PRIORITY_ORDER = tuple(Priority)


@dataclass(frozen=True)
class AtStake:
    """The clock of a complaint that the board shows, with the instants its grade changes at."""

    clock: ClockName
    state: ClockState
    grade: Grade
    deadline: datetime | None
    warning_at: datetime | None
    major_at: datetime | None
    provisional: bool


@dataclass(frozen=True)
class BoardRow:
    complaint: Complaint
    stake: AtStake | None

    @property
    def grade(self) -> Grade:
        return Grade.OK if self.stake is None else self.stake.grade

    def order(self) -> tuple[int, float, int, datetime, str]:
        """Unknown deadlines first, then running clocks by deadline (the earliest is the most overdue), then
        paused ones, then no clock; ties by priority, then receipt."""
        stake = self.stake
        if stake is None:
            group, moment = 3, 0.0
        elif stake.deadline is None:
            group, moment = 0, 0.0
        else:
            group, moment = (1 if stake.state is ClockState.RUNNING else 2), stake.deadline.timestamp()
        priority = _PRIORITY_ORDER.index(self.complaint.priority)
        return group, moment, priority, self.complaint.received_at, self.complaint.id


class BoardQuery(BaseModel):
    """The board's filters (its query parameters; others are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    who: Literal["all", "mine", "unassigned"] = "all"
    priority: Priority | None = None
    category: Category | None = None
    grade: Grade | None = None

    def keeps(self, row: BoardRow, me: str) -> bool:
        """Every filter but the grade."""
        complaint = row.complaint
        return (
            (self.who != "mine" or complaint.assignee == me)
            and (self.who != "unassigned" or complaint.assignee is None)
            and (self.priority is None or complaint.priority is self.priority)
            and (self.category is None or complaint.category is self.category)
        )


@dataclass(frozen=True)
class Board:
    """The rows the filters keep, in order, and how many of the rows kept by every filter but the grade have
    each grade (so the counts say what the grade filter would show)."""

    rows: list[BoardRow]
    counts: dict[Grade, int]


def at_stake(complaint: Complaint, now: datetime) -> AtStake | None:
    """The clock the board shows for a complaint, or None when no clock runs nor is paused."""
    started = [clock for clock in complaint.clocks.values() if clock.cycle is not None and clock.active]
    running = [clock for clock in started if _state(clock) is ClockState.RUNNING]
    candidates = running or started
    if not candidates:
        return None
    graded = [(clock_rules.grade(clock, now), clock) for clock in candidates]
    worst = max(GRADES.index(grade) for grade, _ in graded)
    chosen = min((clock for grade, clock in graded if GRADES.index(grade) == worst), key=_deadline_first)
    cycle = chosen.cycle
    assert cycle is not None
    return AtStake(
        clock=ClockName(chosen.name),
        state=cycle.state,
        grade=GRADES[worst],
        deadline=cycle.deadline,
        warning_at=cycle.warning_at,
        major_at=cycle.major_at,
        provisional=cycle.provisional,
    )


def _state(clock: Clock) -> ClockState:
    assert clock.cycle is not None
    return clock.cycle.state


def _deadline_first(clock: Clock) -> tuple[int, datetime | None, str]:
    deadline = None if clock.cycle is None else clock.cycle.deadline
    return (0, None, clock.name) if deadline is None else (1, deadline, clock.name)


def board(complaints: Iterable[Complaint], now: datetime, query: BoardQuery, me: str) -> Board:
    """The board of `complaints` at `now` for the signed-in person `me`, filtered by `query`."""
    rows = [BoardRow(complaint, at_stake(complaint, now)) for complaint in complaints]
    rows = [row for row in rows if row.complaint.status in BOARD_STATUSES and query.keeps(row, me)]
    rows.sort(key=BoardRow.order)
    counts = dict.fromkeys(GRADES, 0)
    for row in rows:
        counts[row.grade] += 1
    shown = [row for row in rows if query.grade is None or row.grade is query.grade]
    return Board(shown, counts)
