"""Listing: the filters of GET /complaints and what the index key cannot apply (priority, category, assignee,
the worst grade at `now`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import clocks as clock_rules
from chalicelib.domain.clocks import Grade
from chalicelib.domain.model import Complaint

_GRADE_ORDER = (Grade.OK, Grade.WARNING, Grade.MINOR, Grade.MAJOR)


def worst_grade(complaint: Complaint, now: datetime) -> Grade:
    """The worst grade of a complaint's current clock cycles at `now`."""
    grades = [clock_rules.grade(clock, now) for clock in complaint.clocks.values() if clock.cycle is not None]
    return max(grades, key=_GRADE_ORDER.index) if grades else Grade.OK


@dataclass(frozen=True)
class ListQuery:
    """Filters and paging of GET /complaints."""

    status: str | None = None
    grade: str | None = None
    priority: str | None = None
    category: str | None = None
    assignee: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    limit: int = 25
    cursor: str | None = None

    def matches(self, complaint: Complaint, now: datetime) -> bool:
        """The filters the index key does not apply."""
        return (
            (self.priority is None or complaint.priority.value == self.priority)
            and (self.category is None or complaint.category.value == self.category)
            and (self.assignee is None or complaint.assignee == self.assignee)
            and (self.grade is None or worst_grade(complaint, now).value == self.grade)
        )
