"""What the policy language says beyond targets: flags and any-of `when`s select clocks and audiences, `notify`
rules tell audiences of events (level `report`, no breach), the satisfaction rule; and what it refuses, by name."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.policy import PolicyError, PolicySet, parse_policy
from chalicelib.domain.vocabulary import Audience, EventType, Level
from tests.facts import facts

BASE = """
version: test
calendars: {24x7: {}}
clocks:
  first_response: {starts_on: [received], stops_on: [respond, reply]}
  reply: {starts_on: [received], stops_on: [reply]}
  dispatch: {starts_on: [received], stops_on: [dispatch]}
escalation:
  warning: [assignee]
  minor: [on_call]
  also:
    - when: [{warranty: true}, {remote_area: true}]
      levels: [minor]
      to: [regional_manager]
notify:
  - events: [received]
    when: {category: product_quality}
    to: [management_rep, general_manager]
    reason: every product-quality complaint
  - events: [approve, received]
    when: {cross_department: true}
    to: [marketing_director, general_manager]
policies:
  - name: only
    clocks:
      first_response: {target: 2h}
      reply: {target: 24h, when: [{cross_department: true}, {warranty: true}]}
      dispatch: {target: 48h, when: {warranty: true, remote_area: false}}
"""


def load(text: str = BASE) -> PolicySet:
    return parse_policy(text, "policy.yaml")


def clocks_of(policies: PolicySet, **given: Any) -> set[str]:
    complaint = facts(**given)
    return set(policies.clocks_for(policies.select(complaint), complaint))


def test_flags_and_any_of_conditions_select_clocks() -> None:
    policies = load()
    assert clocks_of(policies) == {"first_response"}
    assert clocks_of(policies, cross_department=True) == {"first_response", "reply"}
    assert clocks_of(policies, warranty=True) == {"first_response", "reply", "dispatch"}
    assert clocks_of(policies, warranty=True, remote_area=True) == {"first_response", "reply"}


def test_flags_select_extra_audiences() -> None:
    policies = load()
    assert policies.audiences(Level.MINOR, facts()) == (Audience.ON_CALL,)
    assert policies.audiences(Level.MINOR, facts(remote_area=True)) == (Audience.ON_CALL, Audience.REGIONAL_MANAGER)
    assert policies.audiences(Level.WARNING, facts(warranty=True)) == (Audience.ASSIGNEE,)


def test_notify_rules_name_who_hears_of_an_event() -> None:
    policies = load()
    assert policies.reported(EventType.RECEIVED, facts()) == {}
    quality = policies.reported(EventType.RECEIVED, facts(category="product_quality"))
    assert list(quality) == [Audience.MANAGEMENT_REP, Audience.GENERAL_MANAGER]
    both = policies.reported(EventType.RECEIVED, facts(category="product_quality", cross_department=True))
    assert list(both) == [Audience.MANAGEMENT_REP, Audience.GENERAL_MANAGER, Audience.MARKETING_DIRECTOR]
    assert len(both[Audience.GENERAL_MANAGER]) == 2  # two rules, one audience: told once, for both reasons
    assert list(policies.reported(EventType.APPROVE, facts(cross_department=True))) == [
        Audience.MARKETING_DIRECTOR,
        Audience.GENERAL_MANAGER,
    ]
    assert policies.reported(EventType.RESPOND, facts(cross_department=True)) == {}


def test_a_triage_into_a_received_rule_tells_its_audiences_once() -> None:
    policies = load()
    before, after = facts(), facts(category="product_quality")
    assert list(policies.reported(EventType.TRIAGE, after, before)) == [
        Audience.MANAGEMENT_REP,
        Audience.GENERAL_MANAGER,
    ]
    already = facts(category="product_quality", priority="urgent")
    assert policies.reported(EventType.TRIAGE, already, facts(category="product_quality")) == {}


def test_the_satisfaction_rule_has_the_letters_defaults() -> None:
    rule = load().file.satisfaction
    assert (rule.pass_mark, rule.satisfied_from, rule.low_under, rule.low_surveys) == (85, 4, 60, 3)


REFUSED = {
    "`on:` read by YAML as true": (
        BASE.replace("  - events: [approve, received]", "  - on: [approve, received]"),
        "notify.1",
        "name the events under `events:`",
    ),
    "an event no notify rule can name": (
        BASE.replace("events: [approve, received]", "events: [notice]"),
        "notify.1.events.0",
        "must be received, respond",
    ),
    "report as a breach level": (
        BASE.replace("levels: [minor]", "levels: [minor, report]"),
        "escalation.also.0.levels",
        "`report` is no breach level",
    ),
    "a flag that is not yes or no": (
        BASE.replace("{warranty: true, remote_area: false}", "{warranty: maybe}"),
        "policies.0.clocks.dispatch.when.0.warranty",
        "valid boolean",
    ),
    "an unknown flag": (
        BASE.replace("{warranty: true, remote_area: false}", "{waranty: true}"),
        "policies.0.clocks.dispatch.when.0.waranty",
        "Extra inputs are not permitted",
    ),
    "an empty any-of": (
        BASE.replace("when: [{cross_department: true}, {warranty: true}]", "when: []"),
        "policies.0.clocks.reply.when",
        "at least 1 item",
    ),
    "a pass mark over 100%": (
        BASE + "satisfaction: {pass_mark: 120%}\n",
        "satisfaction.pass_mark",
        "less than or equal to 100",
    ),
    "a notify rule telling nobody": (
        BASE.replace("to: [marketing_director, general_manager]", "to: []"),
        "notify.1.to",
        "at least 1 item",
    ),
}


@pytest.mark.parametrize(("text", "path", "problem"), list(REFUSED.values()), ids=list(REFUSED))
def test_what_the_language_refuses_is_named(text: str, path: str, problem: str) -> None:
    with pytest.raises(PolicyError) as raised:
        load(text)
    message = str(raised.value)
    assert f"{path}:" in message or f"{path} " in message, message
    assert problem in message, message
