"""Integration tests run the app on moto: `world` and `api` are the moto-backed ones here."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import World


@pytest.fixture
def world(aws_world: World) -> World:
    return aws_world


@pytest.fixture
def api(aws_api: Any) -> Any:
    return aws_api
