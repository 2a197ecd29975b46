"""What staff can do on a complaint's page: each action is a staff event of the workflow (the same one the API's
POST /complaints/{id}/events records), drawn in one of the page's forms. Adding an action is an entry in
`ACTIONS`, and a form in the template only when it needs fields of its own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from chalicelib.domain.model import Complaint
from chalicelib.domain.vocabulary import Category, ClockName, Complexity, EventType, Flag, PauseReason, Priority

E = EventType


@dataclass(frozen=True)
class Action:
    """A staff event as the page offers it: the form it is in, its button's message, and what it only makes sense
    with: a running clock (a site visit on a complaint without a site-visit clock is not offered), or a clock of
    the complaint's letter that it starts, meets or ends (`in_letter`: a hand-off where the letter has one)."""

    event: EventType
    form: str
    label: str
    needs_clock: ClockName | None = None
    in_letter: bool = False


ACTIONS: tuple[Action, ...] = (
    Action(E.RESPOND, "main", "action.respond"),
    Action(E.PROGRESS_UPDATE, "main", "action.progress_update", ClockName.PROGRESS_UPDATE),
    Action(E.SITE_VISIT, "main", "action.site_visit", ClockName.SITE_VISIT),
    Action(E.REPLY, "main", "action.reply", in_letter=True),
    Action(E.APPROVE, "main", "action.approve", in_letter=True),
    Action(E.PLAN, "main", "action.plan", in_letter=True),
    Action(E.DISPATCH, "main", "action.dispatch", in_letter=True),
    Action(E.RESOLVE, "main", "action.resolve"),
    Action(E.CONFIRM, "main", "action.confirm"),
    Action(E.REOPEN, "main", "action.reopen"),
    Action(E.RESUME, "main", "action.resume"),
    Action(E.NOTE, "main", "action.note"),
    Action(E.ASSIGN, "assigning", "action.assign"),
    Action(E.HANDOFF, "handing", "action.handoff", in_letter=True),
    Action(E.PAUSE, "pausing", "action.pause"),
    Action(E.AGREE, "agreeing", "action.agree"),
    Action(E.TRIAGE, "triaging", "action.triage"),
    Action(E.SATISFACTION, "survey", "action.satisfaction"),
)
FORMS = ("main", "assigning", "handing", "pausing", "agreeing", "triaging", "survey")
TEXT_FIELDS = ("note", "assignee", "reason", "department", "clock")
CHOICES = {"priority": Priority, "complexity": Complexity, "category": Category}


def offered(complaint: Complaint, allowed: Sequence[EventType]) -> dict[str, list[Action]]:
    """The actions the complaint allows now, by form (a form with none is left out)."""
    found: dict[str, list[Action]] = {}
    for action in ACTIONS:
        if action.event not in allowed:
            continue
        if action.needs_clock is not None:
            clock = complaint.clocks.get(action.needs_clock.value)
            if clock is None or not clock.active:
                continue
        if action.in_letter and not any(
            action.event.value in (*clock.starts_on, *clock.stops_on, *clock.ends_on)
            for clock in complaint.clocks.values()
        ):
            continue
        if action.event is E.AGREE and not running_clocks(complaint):
            continue
        found.setdefault(action.form, []).append(action)
    return {form: found[form] for form in FORMS if form in found}


def running_clocks(complaint: Complaint) -> list[str]:
    """The clocks a deadline can be agreed for: those running now."""
    return [name for name, clock in complaint.clocks.items() if clock.active]


def event_request(form: Mapping[str, str], by: str, zone: ZoneInfo) -> dict[str, object]:
    """A submitted action form -> the workflow's event request, by the signed-in person; an empty field is left
    out (the workflow then names what is missing). An agreed time is read in the policy's zone (`zone`)."""
    data: dict[str, object] = {"type": form.get("type", ""), "by": by}
    for name in TEXT_FIELDS:
        value = form.get(name, "")
        if value.strip():
            data[name] = value.strip() if name != "note" else value.replace("\r\n", "\n").strip()
    if form.get("customer_informed") == "yes" and form.get("reason") == PauseReason.FORCE_MAJEURE.value:
        data["customer_informed"] = True  # a box ticked for another reason is no claim the workflow would refuse
    score = form.get("score", "").strip()
    if score:
        data["score"] = int(score) if score.isdecimal() and len(score) < 4 else score
    deadline = form.get("deadline", "").strip()
    if deadline:
        data["deadline"] = _local_time(deadline, zone)
    if data["type"] == E.TRIAGE.value:
        data |= _triaged(form)
    return data


def _local_time(text: str, zone: ZoneInfo) -> str:
    """A browser's `datetime-local` value (no offset) as the time it names in `zone`, ISO 8601 with its offset;
    anything else is passed on for the workflow to refuse."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)).isoformat()


def _triaged(form: Mapping[str, str]) -> dict[str, object]:
    """A triage form's values: each choice given, each flag ticked or not (the workflow records what changed, and
    refuses a triage that changes nothing)."""
    values: dict[str, object] = {name: form[name] for name in CHOICES if form.get(name)}
    return values | {flag.value: form.get(flag.value) == "yes" for flag in Flag}
