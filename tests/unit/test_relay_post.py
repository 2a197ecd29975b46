"""The local stack's signed relay poster: which secret it signs with, and the stack giving the relay that secret."""

from __future__ import annotations

import json

import pytest

from infra.local_stack import LocalStack
from infra.relay_post import LOCAL_RELAY_SECRET, relay_secret


def test_the_poster_signs_with_the_relays_configured_secret_else_the_local_one() -> None:
    assert relay_secret({"WEBHOOK_SECRETS": json.dumps({"relay": ["whsec_a", "whsec_b"]})}) == "whsec_a"
    assert relay_secret({"WEBHOOK_SECRETS": json.dumps({"typeform": ["whsec_t"]})}) == LOCAL_RELAY_SECRET
    assert relay_secret({}) == LOCAL_RELAY_SECRET


def test_the_local_stack_gives_the_relay_the_development_secret_only_when_it_has_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WEBHOOK_SECRETS", json.dumps({"typeform": ["whsec_t"]}))
    LocalStack._give_the_relay_a_secret()
    import os

    assert json.loads(os.environ["WEBHOOK_SECRETS"]) == {"typeform": ["whsec_t"], "relay": [LOCAL_RELAY_SECRET]}
    monkeypatch.setenv("WEBHOOK_SECRETS", json.dumps({"relay": ["whsec_mine"]}))
    LocalStack._give_the_relay_a_secret()
    assert json.loads(os.environ["WEBHOOK_SECRETS"]) == {"relay": ["whsec_mine"]}
    monkeypatch.delenv("WEBHOOK_SECRETS")
    LocalStack._give_the_relay_a_secret()
    assert json.loads(os.environ["WEBHOOK_SECRETS"]) == {"relay": [LOCAL_RELAY_SECRET]}


def test_a_malformed_webhook_secrets_is_left_for_the_settings_to_refuse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_SECRETS", "{not json")
    LocalStack._give_the_relay_a_secret()
    import os

    assert os.environ["WEBHOOK_SECRETS"] == "{not json"  # untouched: the cold start names the variable
    assert relay_secret({"WEBHOOK_SECRETS": "[1, 2]"}) == LOCAL_RELAY_SECRET
