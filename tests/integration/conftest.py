"""Integration tests run the app on moto: `world` and `api` are the moto-backed ones here; `alerts`, a queue
subscribed to the alerts topic; and the packaged deploy template, built once per session, for the deploy
rehearsal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.definitions import LocalResources
from tests.conftest import World
from tests.integration.helpers import subscribe
from tests.integration.rehearsal import package, shared_dir


@pytest.fixture
def world(aws_world: World) -> World:
    return aws_world


@pytest.fixture
def api(aws_api: Any) -> Any:
    return aws_api


@pytest.fixture
def alerts(aws: LocalResources) -> str:
    """An SQS queue subscribed (unfiltered) to the alerts topic."""
    return subscribe(aws.topics["AlertsTopic"], "alerts")


@pytest.fixture(scope="session")
def packaged_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`make package STAGE=prod`'s build/prod/sam.yaml (with deployment.zip beside it), made in a temporary
    directory."""
    return package(shared_dir(tmp_path_factory.getbasetemp()) / "deploy-package")
