"""The app's secret on AWS (moto's Secrets Manager): a cold start reads it once, completes the settings with it
(staff token hashes, webhook secrets, the pseudonym key) and keeps it for the container's life; an unreadable
secret stops the cold start naming APP_SECRETS_ARN, never quoting the secret."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib import bootstrap
from chalicelib.auth import StaffMember, token_hash
from chalicelib.settings import SettingsError
from infra.definitions import LocalResources

SECRET = {
    "STAFF_TOKEN_HASHES": f"han.mei:{token_hash('han-mei-token')}",
    "WEBHOOK_SECRETS": '{"tally": ["a-tally-signing-secret-123"]}',
    "PSEUDONYM_KEY": "the-pseudonym-key-of-this-deployment-0123",
}


@pytest.fixture
def on_aws(aws: LocalResources, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The environment a function gets from the template, the secret in Secrets Manager; the calls made to it."""
    arn = boto3.client("secretsmanager").create_secret(Name="stack/app-secrets", SecretString=json.dumps(SECRET))["ARN"]
    for name, value in {
        **aws.environment(),
        "PUBLIC_BASE_URL": "https://sla.example.cn",
        "APP_SECRETS_ARN": arn,
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("STAFF_TOKENS", "STAFF_TOKEN_HASHES", "WEBHOOK_SECRETS", "PSEUDONYM_KEY"):
        monkeypatch.delenv(name, raising=False)
    calls: list[str] = []
    made = bootstrap.aws_client

    def counted(settings: Any, service: str) -> Any:
        client = made(settings, service)
        client.meta.events.register("before-call.secretsmanager.*", lambda model, **_: calls.append(model.name))
        return client

    monkeypatch.setattr(bootstrap, "aws_client", counted)
    bootstrap.install(None)
    yield calls
    bootstrap.install(None)


def test_a_cold_start_reads_the_apps_secret_once_and_keeps_it(on_aws: list[str]) -> None:
    running = bootstrap.services()
    assert running.authenticator.identify("Bearer han-mei-token") == StaffMember("han.mei")
    assert running.settings.secrets_for("tally") == ["a-tally-signing-secret-123"]
    assert running.settings.pseudonym_secret == SECRET["PSEUDONYM_KEY"].encode()
    assert bootstrap.services() is running
    assert on_aws == ["GetSecretValue"]


def test_an_unreadable_secret_stops_the_cold_start_naming_it(
    on_aws: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_SECRETS_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:gone-AbCdEf")
    with pytest.raises(SettingsError, match="APP_SECRETS_ARN cannot be read") as stopped:
        bootstrap.services()
    assert SECRET["PSEUDONYM_KEY"] not in str(stopped.value)


def test_a_containers_clients_parse_the_service_models_once(on_aws: list[str]) -> None:
    settings = bootstrap.services().settings
    made = [bootstrap.aws_client(settings, service) for service in ("dynamodb", "sns", "ses", "sqs")]
    assert {id(client._loader) for client in made} == {id(bootstrap.service_models())}
