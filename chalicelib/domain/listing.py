"""Listing: the query of GET /complaints (validated: every bad parameter named) and what the store's index cannot
apply (priority, category, assignee, the worst grade at `now`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr

from chalicelib.domain import clocks as clock_rules
from chalicelib.domain.model import Complaint
from chalicelib.domain.vocabulary import Category, Grade, Priority, Status

_GRADE_ORDER = tuple(Grade)
EARLIEST, LATEST = 1970, 2200


def _instant(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must include a UTC offset")
    if not EARLIEST <= value.year <= LATEST:
        raise ValueError(f"must lie between {EARLIEST} and {LATEST}")
    return value


Instant = Annotated[datetime, AfterValidator(_instant), Field(description="ISO 8601 with offset")]


def worst_grade(complaint: Complaint, now: datetime) -> Grade:
    """The worst grade of a complaint's current clock cycles at `now`."""
    grades = [clock_rules.grade(clock, now) for clock in complaint.clocks.values() if clock.cycle is not None]
    return max(grades, key=_GRADE_ORDER.index) if grades else Grade.OK


class ListQuery(BaseModel):
    """Filters and paging of GET /complaints (its query parameters; others are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    status: Status | None = Field(default=None, description="only this status")
    grade: Grade | None = Field(default=None, description="the worst clock grade now")
    priority: Priority | None = None
    category: Category | None = None
    assignee: Annotated[StrictStr, Field(min_length=1, max_length=100)] | None = None
    received_from: Instant | None = None
    received_to: Instant | None = None
    limit: int = Field(default=25, ge=1, le=100, description="page size")
    cursor: Annotated[StrictStr, Field(min_length=1, max_length=512)] | None = Field(
        default=None, description="next_cursor of the previous page"
    )

    def matches(self, complaint: Complaint, now: datetime) -> bool:
        """The filters the index key does not apply."""
        return (
            (self.priority is None or complaint.priority is self.priority)
            and (self.category is None or complaint.category is self.category)
            and (self.assignee is None or complaint.assignee == self.assignee)
            and (self.grade is None or worst_grade(complaint, now) is self.grade)
        )
