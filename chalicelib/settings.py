"""Settings: the one place that reads the process environment; everything else is handed a `Settings`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_POLICY_FILE = Path(__file__).parent / "policy" / "default.yaml"
DEFAULT_SOURCES_FILE = Path(__file__).parent / "sources" / "default.yaml"


class Settings(BaseModel):
    """What the app needs to know about where it runs, read once per container."""

    model_config = ConfigDict(frozen=True)

    table_name: str = "ComplaintsTable"
    alerts_topic_arn: str = ""
    ops_topic_arn: str = ""
    aws_region: str = "us-east-1"
    aws_endpoint_url: str | None = None
    sla_policy_file: Path = DEFAULT_POLICY_FILE
    sources_file: Path = DEFAULT_SOURCES_FILE
    webhook_secrets: str = ""
    due_shards: int = Field(default=4, ge=1, le=64)
    max_body_bytes: int = 64 * 1024
    public_base_url: str = "http://127.0.0.1:8000"
    digest_sender: str = "sla-monitor@example.com"
    ses_configuration_set: str = ""
    staff_token_hashes: str = ""
    staff_tokens: str = ""

    def secrets_for(self, source: str) -> list[str]:
        """The signing secrets of a source: WEBHOOK_SECRETS is a JSON object of lists, e.g.
        {"typeform": ["whsec_new...", "whsec_old..."]} (several while a secret is rotated)."""
        import json

        if not self.webhook_secrets:
            return []
        try:
            configured = json.loads(self.webhook_secrets)
        except ValueError:
            return []
        found = configured.get(source, []) if isinstance(configured, dict) else []
        return [str(secret) for secret in found] if isinstance(found, list) else []

    def staff_hashes(self) -> list[str]:
        """SHA-256 hashes of accepted staff tokens: configured hashes plus those of plain local tokens."""
        from chalicelib.auth import token_hash

        hashes = [h for h in self.staff_token_hashes.split(",") if h.strip()]
        hashes += [token_hash(t.strip()) for t in self.staff_tokens.split(",") if t.strip()]
        return hashes

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from environment variables (upper-case field names)."""
        env = os.environ if environ is None else environ
        values = {name: env[name.upper()] for name in cls.model_fields if env.get(name.upper()) not in (None, "")}
        return cls.model_validate(values)
