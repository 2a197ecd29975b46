"""`make deploy` / `make destroy` / `make staff-token` / `make verify-sender`: the stack on real AWS, from one settings
file per stage (deploy/<stage>.env, never committed; deploy/example.env documents every setting).

The order is the point:
1. the settings file is checked by pure functions (`problems`): while a setting is missing or would make a silently
   broken system, nothing is sent anywhere and the message names the setting;
2. read-only look-ups (`preflight`): whose credentials these are, whether SES has verified the sender;
3. only then changes: the artifact bucket, the Lambda package and the template uploaded, the app's secrets put in
   Secrets Manager (`put_app_secrets`), the stack created or updated with every parameter of infra/resources.yaml
   (`stack_parameters`);
4. what to do next (`next_steps`): the API and console URLs, subscriptions to confirm, SES's sandbox.

Every AWS step takes its boto3 client; the tests drive the same code against moto, and `make test` rehearses a whole
deploy there (tests/integration/test_deploy_rehearsal.py).
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import ipaddress
import json
import re
import secrets
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from botocore.exceptions import ClientError, NoCredentialsError, WaiterError

from chalicelib.signatures import MIN_TOKEN_LENGTH
from infra import definitions

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "deploy" / "example.env"
APP = "complaint-sla-monitor"
API_GATEWAY = "api-gateway"  # PUBLIC_BASE_URL's value for "the URL API Gateway gives the stack"
REQUIRED = ("PUBLIC_BASE_URL", "DIGEST_SENDER", "ON_CALL_EMAIL", "OPS_EMAIL", "STAFF_TOKEN_HASHES")
OPTIONAL = ("WEBHOOK_SECRETS", "AWS_REGION", "STACK_NAME", "ARTIFACT_BUCKET", "LOG_RETENTION_DAYS")
# CloudWatch Logs' retention periods, as the template allows them.
RETENTION_DAYS = tuple(int(days) for days in definitions.template()["Parameters"]["LogRetentionDays"]["AllowedValues"])
DEFAULT_RETENTION_DAYS = int(definitions.template()["Parameters"]["LogRetentionDays"]["Default"])
# The secret's keys are the app's own variable names: the functions read it at cold start (APP_SECRETS_ARN) and
# complete their settings with it. PSEUDONYM_KEY is made on the first deploy and kept by every later one: a new key
# would give every customer a new pseudonym in the reports.
# SESSION_SECRET (the console's cookie key) is kept the same way: a new one would sign everyone out. The variables
# the packaged channels file names (the channels' URLs and secrets) go in it too, from the stage's settings file.
SECRET_KEYS = ("STAFF_TOKEN_HASHES", "WEBHOOK_SECRETS", "PSEUDONYM_KEY", "SESSION_SECRET")
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]  # the template makes roles and uses the SAM transform
RESERVED_DOMAINS = ("example.com", "example.org", "example.net")  # RFC 2606: nobody receives mail there

_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_EMAIL = re.compile(r"^[^@\s,;<>\"']+@(?P<domain>([A-Za-z0-9-]+\.)+[A-Za-z]{2,})$")
_HASH = re.compile(r"^[0-9a-f]{64}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
_STACK = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]$")


class DeployError(Exception):
    """A deploy step failed: the message says what, and what to do."""


class Refused(DeployError):
    """The settings would make a broken system: nothing was changed. Each problem names its setting."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# ----- the settings file (pure) -----


def parse_env(text: str) -> dict[str, str]:
    """NAME=value lines; blank lines and `#` comment lines are skipped; a value may be quoted. A malformed line is
    named by its number only (it may hold a secret)."""
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, separator, value = line.partition("=")
        if not separator or not _NAME.match(name.strip()):
            raise DeployError(f"line {number} is not NAME=value")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip()] = value
    return values


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8, ::1, 0.0.0.0 and the like: an address that means "this machine" to whoever opens it."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


def problems(
    values: Mapping[str, str], signed_sources: Mapping[str, str] | None = None, channels_file: Path | None = None
) -> list[str]:
    """Everything wrong with a stage's settings, each message starting with the setting's name; [] when it can be
    deployed. `signed_sources`: the sources WEBHOOK_SECRETS may name, each with how it authenticates."""
    unknown = sorted(set(values) - set(REQUIRED) - set(OPTIONAL) - set(channel_variables(channels_file)))
    found = [f"{name} is not a deploy setting (deploy/example.env lists them)" for name in unknown]

    def get(name: str) -> str:
        return values.get(name, "").strip()

    found += _base_url_problems(get("PUBLIC_BASE_URL"))
    found += _email_problems("DIGEST_SENDER", get("DIGEST_SENDER"), "the address digests and reports are sent from")
    found += _email_problems("ON_CALL_EMAIL", get("ON_CALL_EMAIL"), "without it nobody hears of a breach")
    found += _email_problems("OPS_EMAIL", get("OPS_EMAIL"), "without it nobody hears of an alarm or operator notice")
    found += _token_problems(get("STAFF_TOKEN_HASHES"))
    found += _webhook_problems(get("WEBHOOK_SECRETS"), signed_sources or {})
    if get("AWS_REGION") and not _REGION.match(get("AWS_REGION")):
        found.append(f"AWS_REGION {get('AWS_REGION')!r} is not a region name like us-east-1")
    if get("STACK_NAME") and not _STACK.match(get("STACK_NAME")):
        found.append("STACK_NAME must start with a letter and hold only letters, digits and hyphens (128 at most)")
    if get("ARTIFACT_BUCKET") and not _BUCKET.match(get("ARTIFACT_BUCKET")):
        found.append("ARTIFACT_BUCKET must be an S3 bucket name of 3-63 lower-case letters, digits and hyphens")
    retention = get("LOG_RETENTION_DAYS")
    if retention and not (retention.isdigit() and int(retention) in RETENTION_DAYS):
        found.append(
            f"LOG_RETENTION_DAYS {retention!r} is not one of CloudWatch's: {', '.join(map(str, RETENTION_DAYS))}"
        )
    return found


def _base_url_problems(url: str) -> list[str]:
    if not url:
        return [
            "PUBLIC_BASE_URL is not set: the https:// address links in notices and emails point at (your domain), "
            f"or `{API_GATEWAY}` for the URL API Gateway gives the stack"
        ]
    if url == API_GATEWAY:
        return []
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [f"PUBLIC_BASE_URL {url!r} is not a URL like https://sla.example.com"]
    if is_loopback(parts.hostname):
        return [
            f"PUBLIC_BASE_URL {url} is a loopback address: every link in a notice or email would point at the "
            "reader's own machine"
        ]
    if parts.scheme != "https":
        return [f"PUBLIC_BASE_URL {url} is not https: API Gateway and custom domains answer https only"]
    if parts.query or parts.fragment or url.endswith("/"):
        return [f"PUBLIC_BASE_URL {url} must be a base without a trailing slash, query or fragment"]
    return []


def _email_problems(name: str, address: str, what: str) -> list[str]:
    if not address:
        return [f"{name} is not set: {what}"]
    match = _EMAIL.match(address)
    if match is None:
        return [f"{name} {address!r} is not one email address ({what})"]
    domain = match.group("domain").lower()
    if domain in RESERVED_DOMAINS or domain.endswith(tuple("." + d for d in RESERVED_DOMAINS)):
        return [f"{name} {address} is at a reserved domain nobody receives mail at ({what})"]
    return []


def _token_problems(hashes: str) -> list[str]:
    if not hashes:
        return [
            "STAFF_TOKEN_HASHES is not set: no staff token would exist and every staff route would answer 401; "
            "`make staff-token` makes a token and prints its SHA-256 digest"
        ]
    entries = [entry.strip() for entry in hashes.split(",")]
    return [
        f"STAFF_TOKEN_HASHES entry {number} is not a SHA-256 hex digest (64 characters 0-9a-f): give the digest "
        "of a token, never the token itself (`make staff-token`)"
        for number, entry in enumerate(entries, 1)
        if not _HASH.match(entry)
    ]


def _webhook_problems(raw: str, signed_sources: Mapping[str, str]) -> list[str]:
    if not raw:
        return []
    try:
        configured = json.loads(raw)
    except ValueError:
        return ['WEBHOOK_SECRETS is not JSON: give an object of lists, {"typeform": ["whsec_..."]}']
    if not isinstance(configured, dict) or not all(
        isinstance(found, list) and found and all(isinstance(s, str) for s in found) for found in configured.values()
    ):
        return ['WEBHOOK_SECRETS must be an object of non-empty lists of strings, {"typeform": ["whsec_..."]}']
    found = []
    for source, listed in sorted(configured.items()):
        if signed_sources and source not in signed_sources:
            found.append(
                f"WEBHOOK_SECRETS names {source!r}, which is not a signed source ({', '.join(sorted(signed_sources))})"
            )
        if signed_sources.get(source, "standard") == "standard":
            found += [
                f"WEBHOOK_SECRETS {source} secret {number} is not a Standard Webhooks secret (whsec_ + base64, 24-64 "
                "bytes)"
                for number, secret in enumerate(listed, 1)
                if not _is_webhook_secret(secret)
            ]
        else:  # a vendor's signing secret or a URL token: the app refuses any shorter than MIN_TOKEN_LENGTH
            found += [
                f"WEBHOOK_SECRETS {source} secret {number} is shorter than {MIN_TOKEN_LENGTH} characters"
                for number, secret in enumerate(listed, 1)
                if len(secret) < MIN_TOKEN_LENGTH
            ]
    return found


def _is_webhook_secret(secret: str) -> bool:
    if not secret.startswith("whsec_"):
        return False
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except ValueError:
        return False
    return 24 <= len(key) <= 64


def unreachable_recipients(policy_file: Path | None = None) -> list[str]:
    """Digest and report recipients of the packaged policy file at reserved domains (the example addresses)."""
    from chalicelib.domain.policy import parse_policy
    from chalicelib.settings import DEFAULT_POLICY_FILE

    path = policy_file or DEFAULT_POLICY_FILE
    digests = parse_policy(path.read_text(encoding="utf-8"), str(path)).file.digests
    addresses = [a for listed in digests.recipients.values() for a in listed] + list(digests.monthly_report_to)
    return sorted({a for a in addresses if a.rsplit("@", 1)[1].lower() in RESERVED_DOMAINS})


def signed_sources(sources_file: Path | None = None) -> dict[str, str]:
    """The sources of the packaged sources file (the bundled default) that need a secret: every one but the public
    form."""
    from chalicelib.domain.sources import parse_sources
    from chalicelib.settings import DEFAULT_SOURCES_FILE

    path = sources_file or DEFAULT_SOURCES_FILE
    parsed = parse_sources(path.read_text(encoding="utf-8"), str(path))
    return {name: spec.auth for name, spec in parsed.sources.items() if spec.auth != "public"}


def channel_variables(channels_file: Path | None = None) -> list[str]:
    """The variables the packaged channels file (the bundled default) names: the channels' URLs and secrets, which
    the deploy keeps in the app's secret."""
    from chalicelib.domain.channels.config import parse_channels
    from chalicelib.settings import DEFAULT_CHANNELS_FILE

    path = channels_file or DEFAULT_CHANNELS_FILE
    return parse_channels(path.read_text(encoding="utf-8"), str(path)).variables()


@dataclass(frozen=True)
class DeploySettings:
    """A stage's settings once `problems` found none."""

    stage: str
    stack_name: str
    region: str | None
    artifact_bucket: str | None
    public_base_url: str
    digest_sender: str
    on_call_email: str
    ops_email: str
    log_retention_days: int
    staff_token_hashes: tuple[str, ...]
    webhook_secrets: dict[str, list[str]] = field(default_factory=dict)
    channel_values: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_values(cls, values: Mapping[str, str], stage: str, channels_file: Path | None = None) -> DeploySettings:
        def get(name: str) -> str:
            return values.get(name, "").strip()

        return cls(
            stage=stage,
            stack_name=get("STACK_NAME") or f"{APP}-{stage}",
            region=get("AWS_REGION") or None,
            artifact_bucket=get("ARTIFACT_BUCKET") or None,
            public_base_url=get("PUBLIC_BASE_URL"),
            digest_sender=get("DIGEST_SENDER"),
            on_call_email=get("ON_CALL_EMAIL"),
            ops_email=get("OPS_EMAIL"),
            log_retention_days=int(get("LOG_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS),
            staff_token_hashes=tuple(h.strip() for h in get("STAFF_TOKEN_HASHES").split(",") if h.strip()),
            webhook_secrets=json.loads(get("WEBHOOK_SECRETS") or "{}"),
            channel_values={name: get(name) for name in channel_variables(channels_file) if get(name)},
        )

    @property
    def secret_name(self) -> str:
        return f"{self.stack_name}/app-secrets"


def app_secrets(settings: DeploySettings, current: Mapping[str, str] | None = None) -> dict[str, str]:
    """The secret's value: the app's own variables and the channels' values; the pseudonym key and the console's
    session key of the `current` secret, or new ones on the first deploy."""
    webhook = json.dumps(settings.webhook_secrets, sort_keys=True) if settings.webhook_secrets else ""
    kept = current or {}
    session_key = kept.get("SESSION_SECRET", "")
    return {
        "STAFF_TOKEN_HASHES": ",".join(settings.staff_token_hashes),
        "WEBHOOK_SECRETS": webhook,
        "PSEUDONYM_KEY": kept.get("PSEUDONYM_KEY") or secrets.token_urlsafe(32),
        "SESSION_SECRET": session_key if len(session_key) >= 32 else secrets.token_urlsafe(48),
        **settings.channel_values,
    }


def current_app_secrets(secretsmanager: Any, name: str) -> dict[str, str] | None:
    """The app's secret as it stands (None when there is none, or it is scheduled for deletion)."""
    try:
        value = secretsmanager.get_secret_value(SecretId=name)["SecretString"]
    except ClientError as error:
        if _code(error) in ("ResourceNotFoundException", "InvalidRequestException"):
            return None
        raise
    found = json.loads(value)
    return {str(key): str(item) for key, item in found.items()} if isinstance(found, dict) else None


def stack_parameters(settings: DeploySettings, secrets_arn: str, public_base_url: str) -> dict[str, str]:
    """Every parameter of infra/resources.yaml (tests/unit/test_deploy_settings.py checks none is left out)."""
    return {
        "PublicBaseUrl": public_base_url,
        "DigestSender": settings.digest_sender,
        "OnCallEmail": settings.on_call_email,
        "OpsEmail": settings.ops_email,
        "LogRetentionDays": str(settings.log_retention_days),
        "AppSecretsArn": secrets_arn,
    }


def public_base_url(settings: DeploySettings, endpoint_url: str | None) -> str:
    """The base of links: the configured one, or the stack's API Gateway URL once it has one ("" before that)."""
    if settings.public_base_url != API_GATEWAY:
        return settings.public_base_url
    return endpoint_url.rstrip("/") if endpoint_url else ""


def deployable_template(sam: dict[str, Any], code_uri: str) -> dict[str, Any]:
    """`chalice package`'s template with every function's code at `code_uri` (s3://bucket/key) instead of the
    local deployment.zip."""
    template = copy.deepcopy(sam)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = code_uri
    return template


def next_steps(
    settings: DeploySettings,
    outputs: Mapping[str, str],
    unconfirmed: list[str],
    production_access: bool | None,
    region: str,
    unreachable: Sequence[str] = (),
) -> str:
    """What `make deploy` prints when the stack is up."""
    api = outputs["EndpointURL"]
    base = public_base_url(settings, api)
    lines = [
        f"deployed {settings.stack_name} ({region})",
        f"  API:      {api}",
        f"  console:  {base}/console",
        f"  links in notices and emails: {base}",
        f"  logs:     kept {settings.log_retention_days} days",
        "next:",
    ]
    steps = []
    if unconfirmed:
        steps.append(
            f"confirm the SNS subscriptions: AWS emailed {', '.join(unconfirmed)}; nothing reaches an address "
            "until the link in that email is clicked"
        )
    if unreachable:
        steps.append(
            f"the packaged policy file sends digests and reports to {', '.join(unreachable)}, where nobody receives "
            "mail: name your people in chalicelib/policy/default.yaml (digests.recipients, monthly_report_to), "
            "then deploy again"
        )
    if production_access is not True:
        steps.append(
            "leave the SES sandbox: while the account is in it, SES delivers only to verified addresses, at most 200 "
            f"a day. Request production access: https://{region}.console.aws.amazon.com/ses/home?region={region}"
            "#/account"
        )
    steps.append(
        f"give each staff member their token (its digest is in STAFF_TOKEN_HASHES) and the console: {base}/console"
    )
    lines += [f"  {number}. {step}" for number, step in enumerate(steps, 1)]
    return "\n".join(lines)


# ----- AWS (each step takes its client) -----


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def caller_account(sts: Any) -> str:
    """The account the credentials belong to; a clear error when there are none."""
    try:
        return str(sts.get_caller_identity()["Account"])
    except NoCredentialsError:
        raise DeployError(
            "no AWS credentials: set AWS_PROFILE (a configured profile) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        ) from None


def sender_problem(ses: Any, sender: str, region: str, stage: str) -> str | None:
    """None when SES has verified the sender or its domain; otherwise what to do."""
    domain = sender.rsplit("@", 1)[1].lower()
    found = ses.get_identity_verification_attributes(Identities=[sender, domain])["VerificationAttributes"]
    statuses = {attributes.get("VerificationStatus") for attributes in found.values()}
    if "Success" in statuses:
        return None
    if "Pending" in statuses:
        return (
            f"DIGEST_SENDER {sender} is waiting for verification in SES ({region}): click the link in the email AWS "
            "sent to it, then deploy again"
        )
    return (
        f"DIGEST_SENDER {sender} is not verified in SES ({region}): `make verify-sender STAGE={stage}` asks SES to "
        "email it a verification link (or verify its domain in the SES console); then deploy again"
    )


def default_bucket(account: str, region: str) -> str:
    return f"{APP}-artifacts-{account}-{region}"


def ensure_bucket(s3: Any, bucket: str, region: str) -> None:
    """The artifact bucket: created private when missing; an error when it is someone else's."""
    try:
        s3.head_bucket(Bucket=bucket)
        return
    except ClientError as error:
        code = _code(error)
        if code in ("403", "AccessDenied"):
            raise DeployError(f"ARTIFACT_BUCKET {bucket} exists and these credentials may not use it") from None
        if code not in ("404", "NoSuchBucket", "NotFound"):
            raise
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )


def upload(s3: Any, bucket: str, prefix: str, body: bytes, suffix: str) -> str:
    """Put `body` under a key named by its digest (unchanged code is not uploaded twice); the key."""
    key = f"{prefix}/{hashlib.sha256(body).hexdigest()[:24]}{suffix}"
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if _code(error) not in ("404", "NoSuchKey", "NotFound"):
            raise
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    return key


def put_app_secrets(secretsmanager: Any, name: str, values: Mapping[str, str]) -> str:
    """Create the app's secret, or give it a new version when the values changed; its ARN."""
    payload = json.dumps(dict(values), sort_keys=True)
    try:
        described = secretsmanager.describe_secret(SecretId=name)
    except ClientError as error:
        if _code(error) != "ResourceNotFoundException":
            raise
        created = secretsmanager.create_secret(
            Name=name,
            SecretString=payload,
            Description=f"{APP}: staff token hashes, webhook secrets, the console's session key (make deploy)",
            Tags=[{"Key": "app", "Value": APP}],
        )
        return str(created["ARN"])
    if described.get("DeletedDate"):
        secretsmanager.restore_secret(SecretId=name)
    if secretsmanager.get_secret_value(SecretId=name)["SecretString"] != payload:
        secretsmanager.put_secret_value(SecretId=name, SecretString=payload)
    return str(described["ARN"])


def stack_status(cloudformation: Any, stack: str) -> str | None:
    try:
        found = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as error:
        if _code(error) == "ValidationError" and "does not exist" in str(error):
            return None
        raise
    return str(found[0]["StackStatus"]) if found else None


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    if stack_status(cloudformation, stack) is None:
        return {}
    found = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {output["OutputKey"]: output["OutputValue"] for output in found.get("Outputs", [])}


def _failures(cloudformation: Any, stack: str) -> str:
    events = cloudformation.describe_stack_events(StackName=stack)["StackEvents"]
    failed = [e for e in events if str(e.get("ResourceStatus", "")).endswith("FAILED")]
    return "\n".join(f"  {e['LogicalResourceId']}: {e.get('ResourceStatusReason', '')}" for e in reversed(failed))


def _wait(cloudformation: Any, waiter: str, stack: str) -> None:
    try:
        cloudformation.get_waiter(waiter).wait(StackName=stack, WaiterConfig={"Delay": 10, "MaxAttempts": 360})
    except WaiterError:
        raise DeployError(
            f"stack {stack} is {stack_status(cloudformation, stack)}; what failed:\n{_failures(cloudformation, stack)}"
        ) from None


def deploy_stack(
    cloudformation: Any,
    stack: str,
    template_url: str,
    parameters: Mapping[str, str],
    say: Callable[[str], None] = print,
) -> dict[str, str]:
    """Create the stack, or update it (nothing to update is fine); its outputs. A stack whose first creation
    failed (ROLLBACK_COMPLETE) can only be deleted: it is, then created anew."""
    status = stack_status(cloudformation, stack)
    if status is not None and status.endswith("_IN_PROGRESS"):
        raise DeployError(f"stack {stack} is {status}: wait until it settles, then deploy again")
    if status == "ROLLBACK_COMPLETE":
        say(f"stack {stack}: its first creation failed and was rolled back; deleting it to create it anew")
        cloudformation.delete_stack(StackName=stack)
        _wait(cloudformation, "stack_delete_complete", stack)
        status = None
    request: dict[str, Any] = {
        "StackName": stack,
        "TemplateURL": template_url,
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(parameters.items())],
        "Capabilities": CAPABILITIES,
        "Tags": [{"Key": "app", "Value": APP}],
    }
    if status is None:
        say(f"creating stack {stack} (a few minutes)")
        cloudformation.create_stack(**request)
        _wait(cloudformation, "stack_create_complete", stack)
    else:
        say(f"updating stack {stack}")
        try:
            cloudformation.update_stack(**request)
        except ClientError as error:
            if "No updates are to be performed" not in str(error):
                raise
            say("  nothing to update")
        else:
            _wait(cloudformation, "stack_update_complete", stack)
    return stack_outputs(cloudformation, stack)


def physical_ids(cloudformation: Any, stack: str) -> dict[str, str]:
    """Logical id -> physical id of the stack's resources."""
    found = {}
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack):
        for resource in page["StackResourceSummaries"]:
            found[resource["LogicalResourceId"]] = resource.get("PhysicalResourceId", "")
    return found


def unconfirmed_subscribers(sns: Any, wanted: Mapping[str, str]) -> list[str]:
    """Of {address: topic ARN}, the addresses without a confirmed email subscription to their topic."""
    missing = []
    for address, topic in wanted.items():
        subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        confirmed = any(s["Endpoint"] == address and s["SubscriptionArn"].startswith("arn:") for s in subscriptions)
        if not confirmed:
            missing.append(address)
    return missing


def production_access(sesv2: Any) -> bool | None:
    """Whether SES has left the sandbox in this region; None when it cannot be told."""
    try:
        return bool(sesv2.get_account()["ProductionAccessEnabled"])
    except (ClientError, NotImplementedError):  # no permission for it, or an emulator without it: say the step
        return None


@dataclass
class Aws:
    """One boto3 session in the deploy's region."""

    session: Any
    region: str

    @classmethod
    def connect(cls, region: str | None) -> Aws:
        import boto3

        session = boto3.Session(region_name=region) if region else boto3.Session()
        return cls(session, session.region_name or "us-east-1")

    def client(self, service: str) -> Any:
        return self.session.client(service, region_name=self.region)


def preflight(aws: Aws, settings: DeploySettings) -> str:
    """Read-only look-ups before any change: the account (credentials work) and the sender's verification."""
    account = caller_account(aws.client("sts"))
    problem = sender_problem(aws.client("ses"), settings.digest_sender, aws.region, settings.stage)
    if problem is not None:
        raise Refused([problem])
    return account


def deploy(
    aws: Aws,
    settings: DeploySettings,
    template_path: Path,
    say: Callable[[str], None] = print,
    transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> dict[str, str]:
    """The whole deploy after the settings passed `problems`; the stack's outputs. `transform` is for the
    rehearsal, which translates the SAM template itself (on AWS, CloudFormation does)."""
    account = preflight(aws, settings)
    cloudformation, s3 = aws.client("cloudformation"), aws.client("s3")
    stack = settings.stack_name
    bucket = settings.artifact_bucket or default_bucket(account, aws.region)
    ensure_bucket(s3, bucket, aws.region)
    code = template_path.with_name("deployment.zip")
    if not code.exists():
        raise DeployError(f"{code} is missing: `make package STAGE={settings.stage}` builds it")
    code_key = upload(s3, bucket, stack, code.read_bytes(), ".zip")
    say(f"code:     s3://{bucket}/{code_key}")
    template = deployable_template(
        yaml.safe_load(template_path.read_text(encoding="utf-8")), f"s3://{bucket}/{code_key}"
    )
    if transform is not None:
        template = transform(template)
    template_key = upload(s3, bucket, stack, json.dumps(template, sort_keys=True).encode("utf-8"), ".json")
    template_url = f"https://{bucket}.s3.{aws.region}.amazonaws.com/{template_key}"
    secretsmanager = aws.client("secretsmanager")
    current = current_app_secrets(secretsmanager, settings.secret_name)
    secret_arn = put_app_secrets(secretsmanager, settings.secret_name, app_secrets(settings, current))
    say(f"secrets:  {secret_arn}")
    known = stack_outputs(cloudformation, stack).get("EndpointURL")
    parameters = stack_parameters(settings, secret_arn, public_base_url(settings, known))
    outputs = deploy_stack(cloudformation, stack, template_url, parameters, say)
    wanted_base = public_base_url(settings, outputs["EndpointURL"])
    if parameters["PublicBaseUrl"] != wanted_base:
        say(f"setting PublicBaseUrl to the stack's API Gateway URL, {wanted_base}")
        outputs = deploy_stack(cloudformation, stack, template_url, {**parameters, "PublicBaseUrl": wanted_base}, say)
    resources = physical_ids(cloudformation, stack)
    topics = {settings.on_call_email: resources["AlertsTopic"], settings.ops_email: resources["OpsTopic"]}
    unconfirmed = unconfirmed_subscribers(aws.client("sns"), topics)
    access = production_access(aws.client("sesv2"))
    say(next_steps(settings, outputs, unconfirmed, access, aws.region, unreachable_recipients()))
    return outputs


def destroy(aws: Aws, settings: DeploySettings, delete_data: bool, say: Callable[[str], None] = print) -> None:
    """Delete the stack. The table (DeletionPolicy Retain) and the app's secret stay unless `delete_data`."""
    cloudformation = aws.client("cloudformation")
    stack = settings.stack_name
    table = None
    if stack_status(cloudformation, stack) is None:
        say(f"no stack {stack} in {aws.region}")
    else:
        table = physical_ids(cloudformation, stack)["ComplaintsTable"]
        say(f"deleting stack {stack}")
        cloudformation.delete_stack(StackName=stack)
        _wait(cloudformation, "stack_delete_complete", stack)
        say(f"deleted stack {stack}")
    if not delete_data:
        if table is not None:
            say(
                f"kept table {table} (DeletionPolicy Retain: complaints, audit trails and reports survive) and secret "
                f"{settings.secret_name}; `make destroy STAGE={settings.stage} DELETE_DATA=yes` deletes them too"
            )
        return
    if table is not None:
        dynamodb = aws.client("dynamodb")
        dynamodb.update_table(TableName=table, DeletionProtectionEnabled=False)  # DELETE_DATA=yes says so
        dynamodb.delete_table(TableName=table)
        say(f"deleted table {table}")
    try:
        aws.client("secretsmanager").delete_secret(SecretId=settings.secret_name, ForceDeleteWithoutRecovery=True)
        say(f"deleted secret {settings.secret_name}")
    except ClientError as error:
        if _code(error) != "ResourceNotFoundException":
            raise


# ----- the command line -----


def settings_path(stage: str, given: str | None) -> Path:
    return Path(given) if given else ROOT / "deploy" / f"{stage}.env"


def load(stage: str, path: Path, say: Callable[[str], None] = print) -> DeploySettings:
    """The stage's settings, checked (pure); Refused names every problem. A missing file is made from the example."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(EXAMPLE, path)
        say(f"{path} did not exist: made it from {EXAMPLE.relative_to(ROOT)}; fill it in")
    values = parse_env(path.read_text(encoding="utf-8"))
    found = problems(values, signed_sources())
    if found:
        raise Refused(found)
    return DeploySettings.from_values(values, stage)


def _stage(value: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9-]{0,31}", value):
        raise argparse.ArgumentTypeError("a stage is lower-case letters, digits and hyphens")
    return value


def main(argv: list[str] | None = None, say: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.deploy", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("check", "deploy", "destroy", "verify-sender"):
        command = commands.add_parser(name)
        command.add_argument("--stage", type=_stage, required=True)
        command.add_argument("--settings", help="the settings file (default deploy/<stage>.env)")
    commands.choices["deploy"].add_argument("--template", type=Path, required=True, help="build/<stage>/sam.yaml")
    commands.choices["destroy"].add_argument("--delete-data", action="store_true", help="also the table and secret")
    commands.add_parser("staff-token")
    args = parser.parse_args(argv)
    if args.command == "staff-token":
        token = secrets.token_urlsafe(32)
        say(f"token (give it to the staff member; it is not kept anywhere): {token}")
        say(f"SHA-256 (add it to STAFF_TOKEN_HASHES):                    {hashlib.sha256(token.encode()).hexdigest()}")
        return 0
    path = settings_path(args.stage, args.settings)
    try:
        if args.command == "destroy":
            values = parse_env(path.read_text(encoding="utf-8")) if path.exists() else {}
            settings = DeploySettings.from_values(values, args.stage)
            destroy(Aws.connect(settings.region), settings, args.delete_data, say)
            return 0
        settings = load(args.stage, path, say)
        aws = Aws.connect(settings.region)
        if args.command == "verify-sender":
            aws.client("ses").verify_email_identity(EmailAddress=settings.digest_sender)
            say(f"SES ({aws.region}) emailed {settings.digest_sender} a verification link: click it, then deploy")
        elif args.command == "check":
            preflight(aws, settings)
            say(f"{path}: ready to deploy {settings.stack_name} to {aws.region}")
        else:
            deploy(aws, settings, args.template, say)
    except Refused as refused:
        say(f"refusing to deploy: {path} needs attention (nothing was changed on AWS):")
        for problem in refused.problems:
            say(f"  - {problem}")
        return 2
    except DeployError as error:
        say(f"deploy failed: {error}")
        return 1
    except ClientError as error:
        say(f"deploy failed: AWS answered {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
