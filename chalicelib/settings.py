"""Settings: the one place that reads the process environment; everything else is handed a `Settings`.

Required settings have no default, and a malformed value is an error: a cold start with a missing table name or
a broken WEBHOOK_SECRETS stops with `SettingsError` naming the variable, instead of running half-configured. The
local stack and the tests set every required variable themselves.

On AWS the secrets (STAFF_TOKEN_HASHES, WEBHOOK_SECRETS, PSEUDONYM_KEY) are not in the environment: the functions
get APP_SECRETS_ARN, bootstrap reads that Secrets Manager secret once at cold start, and `with_secrets` completes
the settings with it (validated the same way, naming the secret in errors).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

DEFAULT_POLICY_FILE = Path(__file__).parent / "policy" / "default.yaml"
DEFAULT_SOURCES_FILE = Path(__file__).parent / "sources" / "default.yaml"
DEFAULT_CHANNELS_FILE = Path(__file__).parent / "channels" / "default.yaml"
_FROM_THE_CHANNELS_FILE = "channel_values"  # read from the variables the channels file names, not from its own
MIN_SESSION_SECRET = 32
SECRET_SETTINGS = ("staff_token_hashes", "webhook_secrets", "pseudonym_key", "session_secret")
"""The settings the app's secret holds on AWS (under their variable names, upper-case), with the variables the
channels file names (the channels' URLs and secrets)."""
MIN_PSEUDONYM_KEY = 32


class SettingsError(ValueError):
    """The environment is missing a required setting or holds a malformed one; the message names it."""


def _json_object(value: object) -> object:
    if isinstance(value, str):
        if not value.strip():
            return {}
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ValueError(f"is not JSON ({exc})") from None
    return value


class Settings(BaseModel):
    """What the app needs to know about where it runs, read once per container."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    table_name: str = Field(min_length=3)
    alerts_topic_arn: str = Field(pattern=r"^arn:aws[a-z-]*:sns:")
    ops_topic_arn: str = Field(pattern=r"^arn:aws[a-z-]*:sns:")
    public_base_url: str = Field(pattern=r"^https?://[^\s/]+(/\S*)?$")
    aws_region: str = "us-east-1"
    aws_endpoint_url: str | None = None
    sla_policy_file: Path = DEFAULT_POLICY_FILE
    sources_file: Path = DEFAULT_SOURCES_FILE
    webhook_secrets: Annotated[dict[str, list[str]], BeforeValidator(_json_object)] = Field(default_factory=dict)
    due_shards: int = Field(default=4, ge=1, le=64)
    max_body_bytes: int = 64 * 1024
    digest_sender: str = "sla-monitor@example.com"
    ses_configuration_set: str = ""
    staff_token_hashes: str = ""
    staff_tokens: str = ""
    channels_file: Path = DEFAULT_CHANNELS_FILE
    relay_queue_url: str = ""
    timer_queue_url: str = Field(
        default="", description="the precision timers' SQS queue; empty: no timers, the minute scan alone"
    )
    timer_lookahead_seconds: int = Field(
        default=120, ge=1, le=900, description="how far ahead the scan arms timers: at least two scan intervals"
    )
    channel_values: dict[str, str] = Field(default_factory=dict, repr=False)  # the channels' URLs and secrets
    session_secret: str = Field(
        default="",
        description="signs the console's session cookies (HMAC-SHA256); without it the console refuses to sign in",
    )
    session_cookie_secure: bool = True
    app_secrets_arn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:secretsmanager:")
    pseudonym_key: str = Field(default="", validate_default=True)

    @field_validator("pseudonym_key")
    @classmethod
    def _pseudonym_key(cls, value: str, info: ValidationInfo) -> str:
        from_secret = bool(info.context and info.context.get("secret"))
        if not value and info.data.get("app_secrets_arn") and not from_secret:
            return value  # on AWS: read from the app's secret at cold start (`with_secrets`)
        if not value:
            raise ValueError(
                "is not set: the secret key of the customers' pseudonyms in reports (at least "
                f"{MIN_PSEUDONYM_KEY} characters; on AWS `make deploy` keeps one in the app's secret)"
            )
        if len(value) < MIN_PSEUDONYM_KEY:
            raise ValueError(f"must be at least {MIN_PSEUDONYM_KEY} characters")
        return value

    def with_secrets(self, secret: Mapping[str, object]) -> Settings:
        """These settings completed by the app's secret (a JSON object of STAFF_TOKEN_HASHES, WEBHOOK_SECRETS,
        PSEUDONYM_KEY, SESSION_SECRET and the variables the channels file names); `SettingsError` naming what is
        wrong in it."""
        channel = set(_channel_variables(self.channels_file))
        unknown = sorted(
            name
            for name in secret
            if name not in channel and (name.lower() not in SECRET_SETTINGS or not name.isupper())
        )
        if unknown:
            raise SettingsError(
                f"the app's secret (APP_SECRETS_ARN) holds {', '.join(unknown)}, which the app does not read"
            )
        given = {name: value for name, value in secret.items() if value not in (None, "")}
        values = self.model_dump() | {name.lower(): value for name, value in given.items() if name not in channel}
        values["channel_values"] = self.channel_values | {
            name: str(value) for name, value in given.items() if name in channel
        }
        return self._validated(values, {"secret": True}, " (in the app's secret, APP_SECRETS_ARN)")

    @field_validator("session_secret")
    @classmethod
    def _session_secret(cls, value: str) -> str:
        if value and len(value) < MIN_SESSION_SECRET:
            raise ValueError(f"is shorter than {MIN_SESSION_SECRET} characters: make a long random one")
        return value

    @field_validator("sla_policy_file", "sources_file", "channels_file")
    @classmethod
    def _readable(cls, value: Path) -> Path:
        if not value.is_file():
            raise ValueError(f"{value} is not a readable file")
        return value

    def secrets_for(self, source: str) -> list[str]:
        """The signing secrets of a source: WEBHOOK_SECRETS is a JSON object of lists, e.g.
        {"typeform": ["whsec_new...", "whsec_old..."]} (several while a secret is rotated)."""
        return list(self.webhook_secrets.get(source, []))

    @property
    def pseudonym_secret(self) -> bytes:
        """The key of the customers' pseudonyms (HMAC-SHA256)."""
        return self.pseudonym_key.encode("utf-8")

    def staff_hashes(self) -> list[tuple[str, str]]:
        """(person, SHA-256 hash) of every accepted staff token: configured hashes plus those of local tokens."""
        from chalicelib.auth import named_hashes

        return named_hashes(self.staff_token_hashes, self.staff_tokens)

    @field_validator("staff_token_hashes", "staff_tokens")
    @classmethod
    def _staff(cls, value: str, info: ValidationInfo) -> str:
        from chalicelib.auth import named_hashes

        named_hashes(value, "") if info.field_name == "staff_token_hashes" else named_hashes("", value)
        return value

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from environment variables (upper-case field names); `SettingsError` naming each
        variable that is missing or malformed."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {
            name: env[name.upper()]
            for name in cls.model_fields
            if name != _FROM_THE_CHANNELS_FILE and env.get(name.upper()) not in (None, "")
        }
        settings = cls._validated(values, {}, "")
        named = _channel_variables(settings.channels_file)
        return settings.model_copy(update={"channel_values": {name: env[name] for name in named if env.get(name)}})

    @classmethod
    def _validated(cls, values: Mapping[str, object], context: dict[str, object], where: str) -> Settings:
        try:
            return cls.model_validate(values, context=context)
        except ValidationError as exc:
            problems = []
            for error in exc.errors():
                variable = str(error["loc"][0]).upper() if error["loc"] else "(settings)"
                what = "is not set" if error["type"] == "missing" else str(error["msg"]).removeprefix("Value error, ")
                problems.append(f"{variable}{where if variable.lower() in SECRET_SETTINGS else ''} {what}")
            raise SettingsError("the app cannot start: " + "; ".join(problems)) from None

    @staticmethod
    def on_lambda(environ: Mapping[str, str] | None = None) -> bool:
        """Whether this process is a Lambda function (its runtime sets AWS_LAMBDA_FUNCTION_NAME)."""
        return bool((os.environ if environ is None else environ).get("AWS_LAMBDA_FUNCTION_NAME"))


def _channel_variables(path: Path) -> list[str]:
    """The variables (URLs, secrets) the channels file names; `SettingsError` when the file is invalid."""
    from chalicelib.domain.channels.config import ChannelsError, parse_channels

    try:
        return parse_channels(path.read_text(encoding="utf-8"), str(path)).variables()
    except ChannelsError as exc:
        raise SettingsError(f"the app cannot start: CHANNELS_FILE {exc}") from None
