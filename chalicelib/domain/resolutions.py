"""Resolutions: a complaint before and after a staff event -> the `resolved` notices owed: one per audience
that heard of a clock cycle which the event ended (met, met late or stopped), so that a pager's incident is
resolved and a chat group hears the alert is over. A cycle nobody was notified of owes nothing.

Pure: policies and `now` are passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from chalicelib.domain.clocks import LEVEL_ORDER, Cycle
from chalicelib.domain.model import Complaint
from chalicelib.domain.notices import Notice, compose, notice_id
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.vocabulary import Audience, ClockState, Level, NoticeType

ENDED = frozenset({ClockState.MET, ClockState.BREACHED, ClockState.STOPPED})


def heard(level: Level, facts: Mapping[str, str], policies: PolicySet) -> dict[Audience, Level]:
    """Who heard of a cycle notified up to `level`, with the highest level each heard of."""
    found: dict[Audience, Level] = {}
    for step in LEVEL_ORDER[: LEVEL_ORDER.index(level) + 1]:
        for audience in policies.audiences(step, facts):
            found[audience] = step
    return found


def _ended_cycle(cycles: tuple[Cycle | None, ...], number: int) -> Cycle | None:
    for cycle in cycles:
        if cycle is not None and cycle.number == number:
            return cycle if cycle.state in ENDED else None
    return None


def resolved_notices(
    before: Complaint, after: Complaint, now: datetime, policies: PolicySet, base_url: str
) -> list[Notice]:
    """The resolved notices owed because the change from `before` to `after` ended notified clock cycles."""
    facts = before.facts()
    language = policies.file.language
    zone = policies.display.tz
    found: list[Notice] = []
    for name, previous in before.clocks.items():
        current = after.clocks.get(name)
        if current is None or not previous.active or previous.cycle is None or previous.cycle.notified is None:
            continue
        number = previous.cycle.number
        ended = _ended_cycle((current.cycle, *reversed(current.history)), number)
        if ended is None or ended.ended_at is None:
            continue
        overdue = 0
        if ended.deadline is not None and ended.ended_at > ended.deadline:
            overdue = round(policies.calendar(current.calendar).measure(ended.deadline, ended.ended_at))
        deadline = ended.deadline.astimezone(zone).isoformat() if ended.deadline is not None else ""
        for audience, level in heard(previous.cycle.notified, facts, policies).items():
            notice = compose(
                after,
                base_url,
                language,
                notice_id=notice_id(after.id, name, number, NoticeType.RESOLVED, audience),
                type=NoticeType.RESOLVED,
                clock=name,
                cycle=number,
                level=level,
                audience=audience,
                deadline=deadline,
                detected_at=now.astimezone(zone).isoformat(),
                overdue_seconds=overdue,
                provisional=ended.provisional,
                outcome=ended.state,
                ended_at=ended.ended_at.astimezone(zone).isoformat(),
            )
            found.append(notice)
    return found
