"""The deploy rehearsed on moto: `make package`'s template (chalice package --merge-template infra/resources.yaml),
deployed by infra/deploy.py's own `deploy` into moto, with the one step AWS does itself done here: CloudFormation's
SAM transform, by aws-sam-translator (the library that transform runs).

What moto's CloudFormation lacks, and what the rehearsal does about it (checked against the installed moto by
tests/integration/test_deploy_rehearsal.py, so a moto that learns one of these fails the test until this list is
brought up to date):

- REMOVED, AWS::ApiGateway::Deployment and AWS::ApiGateway::Stage: moto's RestApi ignores the OpenAPI `Body`
  Chalice puts the routes in, so the deployment of an API "without methods" fails the whole stack. The RestApi
  itself is created (it needs a Name in moto; the template names it anyway, for the 5XX alarm).
- REPLACED, AWS::SES::ConfigurationSet: moto skips it and then drops every variable that refers to it
  (SES_CONFIGURATION_SET would vanish). The rehearsal creates the configuration set through the SES API and puts its
  name where the template refers to it.
- SKIPPED BY MOTO (left in the template; moto warns and creates nothing): alarms, SNS subscriptions, the WAF web ACL
  and its association, Lambda's EventInvokeConfig (retries and the on-failure queue), the relay queue's policy.
  cfn-lint checks them, and tests/unit/test_packaging.py the alarms, the retries, the ops subscription and the relay
  queue's subscription and policy.
- Not an adjustment but a gap: moto's Lambda does not keep `LoggingConfig`, so which log group a function writes to
  is checked on the translated template; that the groups exist with their retention is checked in moto.
"""

from __future__ import annotations

import copy
import fcntl
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infra.deploy import Aws, DeploySettings

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
REMOVED = ("AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage")
CONFIGURATION_SET = "AWS::SES::ConfigurationSet"
REPLACED = (CONFIGURATION_SET,)
SKIPPED_BY_MOTO = (
    "AWS::CloudWatch::Alarm",
    "AWS::SNS::Subscription",
    "AWS::WAFv2::WebACL",
    "AWS::WAFv2::WebACLAssociation",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::SQS::QueuePolicy",
)
SETTINGS = DeploySettings(
    stage="prod",
    stack_name="complaint-sla-monitor-rehearsal",
    region=REGION,
    artifact_bucket=None,
    public_base_url="https://sla.rehearsal.example.cn",
    digest_sender="sla-monitor@rehearsal.example.cn",
    on_call_email="on-call@rehearsal.example.cn",
    ops_email="ops@rehearsal.example.cn",
    log_retention_days=90,
    staff_token_hashes=("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",),
    webhook_secrets={"typeform": ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]},
)


def package(into: Path) -> Path:
    """`make package STAGE=prod` into `into` (chalice package, a few seconds); the template's path. Done once per
    session even with several xdist workers: the first one packages, the others wait on the lock and reuse it."""
    into.mkdir(parents=True, exist_ok=True)
    template = into / "build" / "sam.yaml"
    with (into / "package.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            chalice = Path(sys.executable).with_name("chalice")
            command = [str(chalice), "package", "--stage", "prod", "--merge-template", "infra/resources.yaml"]
            subprocess.run([*command, str(template.parent)], cwd=ROOT, check=True, capture_output=True)
    return template


def shared_dir(basetemp: Path) -> Path:
    """A directory all xdist workers of this session share (the parent of their own base directories)."""
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp


def translate(sam: dict[str, Any], aws: Aws) -> dict[str, Any]:
    """What CloudFormation's AWS::Serverless-2016-10-31 transform makes of the template."""
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader
    from samtranslator.translator.translator import Translator

    loader = ManagedPolicyLoader(aws.client("iam"))
    translator = Translator(None, Parser(), boto_session=aws.session)
    translated: dict[str, Any] = translator.translate(
        copy.deepcopy(sam), parameter_values={}, get_managed_policy_map=loader.load
    )
    translator.metrics.publish()  # to the translator's no-op publisher; else it warns when collected
    return translated


def for_moto(template: dict[str, Any], aws: Aws) -> dict[str, Any]:
    """The adjustments named in this module's docstring, and no others."""
    adjusted = copy.deepcopy(template)
    resources = adjusted["Resources"]
    replaced: dict[str, str] = {}
    ses = aws.client("ses")
    for logical_id, resource in list(resources.items()):
        if resource["Type"] in REMOVED:
            del resources[logical_id]
        elif resource["Type"] == CONFIGURATION_SET:
            name = f"rehearsal-{logical_id}"
            if name not in {c["Name"] for c in ses.list_configuration_sets()["ConfigurationSets"]}:
                ses.create_configuration_set(ConfigurationSet={"Name": name})
            replaced[logical_id] = name
            del resources[logical_id]
    result: dict[str, Any] = _replace_refs(adjusted, replaced)
    return result


def _replace_refs(node: Any, replaced: dict[str, str]) -> Any:
    if isinstance(node, dict):
        if set(node) == {"Ref"} and node["Ref"] in replaced:
            return replaced[node["Ref"]]
        return {key: _replace_refs(value, replaced) for key, value in node.items()}
    if isinstance(node, list):
        return [_replace_refs(value, replaced) for value in node]
    return node


def rehearse(aws: Aws) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The `transform` hook of infra.deploy.deploy: translate as CloudFormation would, then adjust for moto."""
    return lambda sam: for_moto(translate(sam, aws), aws)
