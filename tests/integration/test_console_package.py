"""The Lambda package carries the console: its templates, its static files and Jinja2 (no build step, nothing
fetched at run time)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from chalicelib.console.render import STATIC, TEMPLATES


def test_the_package_carries_the_consoles_templates_static_files_and_jinja2(packaged_template: Path) -> None:
    names = set(zipfile.ZipFile(packaged_template.with_name("deployment.zip")).namelist())
    for folder in (TEMPLATES, STATIC):
        for path in folder.iterdir():
            assert f"chalicelib/console/{folder.name}/{path.name}" in names
    assert "jinja2/__init__.py" in names
    assert "markupsafe/__init__.py" in names
