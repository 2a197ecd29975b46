"""The facts a policy matches on (chalicelib.domain.model.FACTS), for tests that select policies and build clocks
without a complaint: a general service complaint from the web form, a standard customer, no flag set."""

from __future__ import annotations

from chalicelib.domain.model import FACTS
from chalicelib.domain.vocabulary import Flag

DEFAULT_FACTS = {
    "priority": "general",
    "category": "service",
    "complexity": "general",
    "channel": "web_form",
    "customer_tier": "standard",
    **{flag.value: "false" for flag in Flag},
}
assert set(DEFAULT_FACTS) == set(FACTS), "every fact a policy may match on has a default here"


def facts(**given: str | bool) -> dict[str, str]:
    """The default facts with `given` in their place; a flag may be given as True or False."""
    unknown = set(given) - set(FACTS)
    assert not unknown, f"not a fact policies match on: {sorted(unknown)}"
    return DEFAULT_FACTS | {
        name: ("true" if value is True else "false" if value is False else value) for name, value in given.items()
    }
