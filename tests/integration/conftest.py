"""Integration fixtures: the packaged deploy template, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.rehearsal import package, shared_dir


@pytest.fixture(scope="session")
def packaged_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`make package STAGE=prod`'s build/prod/sam.yaml (with deployment.zip beside it), made in a temporary
    directory."""
    return package(shared_dir(tmp_path_factory.getbasetemp()) / "deploy-package")
