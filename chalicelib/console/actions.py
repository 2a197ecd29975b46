"""What staff can do on a complaint's page: each action is a staff event of the workflow (the same one the API's
POST /complaints/{id}/events records), drawn in one of the page's forms. Adding an action (triage, agree) is an
entry in `ACTIONS`, and a form in the template only when it needs fields of its own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chalicelib.domain.model import Complaint
from chalicelib.domain.vocabulary import ClockName, EventType, PauseReason

E = EventType


@dataclass(frozen=True)
class Action:
    """A staff event as the page offers it: the form it is in, its button's message, and the clock it only makes
    sense with (a site visit on a complaint without a site-visit clock is not offered)."""

    event: EventType
    form: str
    label: str
    needs_clock: ClockName | None = None


ACTIONS: tuple[Action, ...] = (
    Action(E.RESPOND, "main", "action.respond"),
    Action(E.PROGRESS_UPDATE, "main", "action.progress_update", ClockName.PROGRESS_UPDATE),
    Action(E.SITE_VISIT, "main", "action.site_visit", ClockName.SITE_VISIT),
    Action(E.RESOLVE, "main", "action.resolve"),
    Action(E.CONFIRM, "main", "action.confirm"),
    Action(E.REOPEN, "main", "action.reopen"),
    Action(E.RESUME, "main", "action.resume"),
    Action(E.NOTE, "main", "action.note"),
    Action(E.ASSIGN, "assigning", "action.assign"),
    Action(E.PAUSE, "pausing", "action.pause"),
    Action(E.SATISFACTION, "survey", "action.satisfaction"),
)
FORMS = ("main", "assigning", "pausing", "survey")
TEXT_FIELDS = ("note", "assignee", "reason")


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
        found.setdefault(action.form, []).append(action)
    return {form: found[form] for form in FORMS if form in found}


def event_request(form: Mapping[str, str], by: str) -> dict[str, object]:
    """A submitted action form -> the workflow's event request, by the signed-in person; an empty field is left
    out (the workflow then names what is missing)."""
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
    return data
