"""The Lambda package and the project agree on dependencies; the deploy template grants what the app needs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from infra.definitions import resources_of_type, template

ROOT = Path(__file__).resolve().parents[2]


def _requirements(lines: list[str]) -> set[str]:
    return {re.sub(r"\s+", "", line).lower() for line in lines if line.strip() and not line.lstrip().startswith("#")}


def test_requirements_txt_lists_exactly_the_runtime_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = _requirements(project["dependencies"])
    packaged = _requirements((ROOT / "requirements.txt").read_text().splitlines())
    assert packaged == declared


def test_every_function_role_gets_the_app_policy() -> None:
    """autogen_policy is off: each function Chalice generates has a role, and AppPolicy must be on it."""
    import app as application

    functions = ["ApiHandler"] + [
        "".join(part.capitalize() for part in source.name.split("_")) for source in application.app.event_sources
    ]
    roles = {entry["Ref"] for entry in resources_of_type("AWS::IAM::ManagedPolicy")["AppPolicy"]["Roles"]}
    assert roles == {f"{name}Role" for name in functions}


def test_chalice_config_turns_off_the_generated_policy() -> None:
    config = yaml.safe_load((ROOT / ".chalice" / "config.json").read_text())
    assert config["autogen_policy"] is False
    assert set(config["stages"]) >= {"local", "dev", "prod"}


def test_due_index_is_keyed_by_shard_and_next_due() -> None:
    table = resources_of_type("AWS::DynamoDB::Table")["ComplaintsTable"]
    indexes = {index["IndexName"]: index for index in table["GlobalSecondaryIndexes"]}
    assert [k["AttributeName"] for k in indexes["due"]["KeySchema"]] == ["due_shard", "next_due"]
    assert template()["Resources"]["ComplaintsTable"]["DeletionPolicy"] == "Retain"
