"""The channels file (CHANNELS_FILE): YAML `channels:` entries -> validated specs -> channels resolved with the
URLs and secrets the environment holds (read once, by the settings model), each able to say whether it takes a
notice, render its request and judge the answer.

```yaml
channels:
  - name: pager
    kind: pagerduty                     # wecom | dingtalk | feishu | slack | pagerduty | webhook
    secret_env: PAGERDUTY_ROUTING_KEY   # the variable holding the channel's secret
    levels: [minor, major, escalation]  # optional filters; absent: every level, every audience
```
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.domain.channels import dingtalk, feishu, pagerduty, slack, webhook, wecom
from chalicelib.domain.channels.base import Answer, Message, VendorRequest, Verdict
from chalicelib.domain.notice_texts import NoticeText
from chalicelib.domain.notices import RollUp
from chalicelib.domain.vocabulary import AlertChannelKind, Audience, Level, NoticeType
from chalicelib.domain.yaml_files import load_yaml_model

KINDS: dict[AlertChannelKind, ModuleType] = {
    AlertChannelKind.WECOM: wecom,
    AlertChannelKind.DINGTALK: dingtalk,
    AlertChannelKind.FEISHU: feishu,
    AlertChannelKind.SLACK: slack,
    AlertChannelKind.PAGERDUTY: pagerduty,
    AlertChannelKind.WEBHOOK: webhook,
}
NEEDS_SECRET = {AlertChannelKind.PAGERDUTY: "its routing key", AlertChannelKind.WEBHOOK: "its signing secret"}
DEFAULT_URL = {AlertChannelKind.PAGERDUTY: pagerduty.ENDPOINT}
EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")]


class ChannelsError(ValueError):
    """The channels file is invalid, or a variable it names is not set: the message says which and where."""


def check_url(url: str) -> str:
    """An https URL with a host; plain http only to a loopback address (the local stack, tests)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("must be an https:// URL")
    if parts.username or parts.password:
        raise ValueError("must not carry a user name or password")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise ValueError("must be https (plain http is allowed only to a loopback address such as 127.0.0.1)")
    return url


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ChannelSpec(BaseModel):
    """One entry of the channels file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
    kind: AlertChannelKind
    url: str | None = None
    url_env: EnvName | None = None
    secret_env: EnvName | None = None
    audiences: list[Audience] | None = None
    levels: list[Level] | None = None

    @field_validator("url")
    @classmethod
    def _valid_url(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    @model_validator(mode="after")
    def _complete(self) -> ChannelSpec:
        if self.url is not None and self.url_env is not None:
            raise ValueError("give `url` or `url_env`, not both")
        if self.url is None and self.url_env is None and self.kind not in DEFAULT_URL:
            raise ValueError(f"a {self.kind} channel needs `url` (or `url_env`, the variable holding it)")
        if self.kind in NEEDS_SECRET and self.secret_env is None:
            raise ValueError(
                f"a {self.kind} channel needs `secret_env`, the variable holding {NEEDS_SECRET[self.kind]}"
            )
        return self


class ChannelsFile(BaseModel):
    """The whole channels file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channels: list[ChannelSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> ChannelsFile:
        seen: set[str] = set()
        for index, spec in enumerate(self.channels):
            if spec.name in seen:
                raise ValueError(f"channels.{index}.name: another channel is already named {spec.name!r}")
            seen.add(spec.name)
        return self

    def variables(self) -> list[str]:
        """The environment variables the file names (URLs and secrets)."""
        return [name for spec in self.channels for name in (spec.url_env, spec.secret_env) if name is not None]


def parse_channels(text: str, source: str) -> ChannelsFile:
    """Parse and validate a channels file's text; `source` names the file in error messages."""
    return load_yaml_model(text or "channels: []", source, ChannelsFile, ChannelsError)


@dataclass(frozen=True)
class Channel:
    """A channel ready to use: its spec, its URL and its secret (never logged)."""

    spec: ChannelSpec
    url: str
    secret: str | None

    @property
    def name(self) -> str:
        return self.spec.name

    def accepts(self, message: Message) -> bool:
        """Whether the channel's filters let the message through (a resolved notice is filtered like the breach
        its audience heard of: by its audience and that level; a roll-up by its audience and any level it counts).
        A pager takes no event notice and no roll-up: neither is one incident."""
        pager = self.spec.kind == AlertChannelKind.PAGERDUTY
        audiences, levels = self.spec.audiences, self.spec.levels
        if isinstance(message, RollUp):
            counted = levels is None or any(level in levels for level in message.by_level)
            return not pager and (audiences is None or message.audience in audiences) and counted
        if message.type == NoticeType.EVENT and pager:
            return False
        return (audiences is None or message.audience in audiences) and (levels is None or message.level in levels)

    def render(self, message: Message, texts: NoticeText, now: datetime) -> VendorRequest:
        """The vendor request for a notice or a roll-up."""
        request: VendorRequest = KINDS[self.spec.kind].render(message, texts, self.url, self.secret, now)
        return request

    def judge(self, answer: Answer) -> Verdict:
        """The vendor's answer read the vendor's way."""
        verdict: Verdict = KINDS[self.spec.kind].judge(answer)
        return verdict


def resolve_channels(channels: ChannelsFile, values: Mapping[str, str], source: str) -> list[Channel]:
    """The channels with their URLs and secrets from `values` (the variables the settings read); a variable
    that is named but not set, or a URL from a variable that is not an allowed URL, is an error."""
    resolved: list[Channel] = []
    for index, spec in enumerate(channels.channels):
        where = f"{source}: channels.{index} ({spec.name})"
        url = spec.url or DEFAULT_URL.get(spec.kind, "")
        if spec.url_env is not None:
            url = values.get(spec.url_env, "")
            if not url:
                raise ChannelsError(f"{where}: the variable {spec.url_env} (url_env) is not set")
            try:
                check_url(url)
            except ValueError as exc:
                raise ChannelsError(f"{where}: the URL in {spec.url_env} {exc}") from None
        secret = None
        if spec.secret_env is not None:
            secret = values.get(spec.secret_env) or None
            if secret is None:
                raise ChannelsError(f"{where}: the variable {spec.secret_env} (secret_env) is not set")
        resolved.append(Channel(spec, url, secret))
    return resolved
