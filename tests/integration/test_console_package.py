"""The Lambda package carries the pages: the template every page extends (chalicelib/templates/page.html), the
console's templates and static files, the customer pages' templates, and Jinja2 (no build step, nothing fetched at
run time). A file missing from the package would fail only once deployed."""

from __future__ import annotations

import zipfile
from pathlib import Path

import chalicelib
from chalicelib.console.render import STATIC, TEMPLATES
from chalicelib.customer.routes import HERE as CUSTOMER_TEMPLATES
from chalicelib.pages import SHARED_TEMPLATES

ROOT = Path(chalicelib.__file__).parent.parent


def test_the_package_carries_every_pages_templates_the_consoles_static_files_and_jinja2(
    packaged_template: Path,
) -> None:
    names = set(zipfile.ZipFile(packaged_template.with_name("deployment.zip")).namelist())
    for folder in (SHARED_TEMPLATES, TEMPLATES, STATIC, CUSTOMER_TEMPLATES):
        files = sorted(folder.iterdir())
        assert files, f"{folder} has no files"
        for path in files:
            assert path.relative_to(ROOT).as_posix() in names
    assert "jinja2/__init__.py" in names
    assert "markupsafe/__init__.py" in names
