"""The Lambda package carries the template every page extends (chalicelib/templates/page.html) and the customer
pages' own templates: a page whose base is missing from the package would fail only once deployed."""

from __future__ import annotations

import zipfile
from pathlib import Path

import chalicelib
from chalicelib.customer.routes import HERE as CUSTOMER_TEMPLATES
from chalicelib.pages import SHARED_TEMPLATES

ROOT = Path(chalicelib.__file__).parent.parent


def test_the_package_carries_the_shared_page_template_and_the_customer_pages(packaged_template: Path) -> None:
    names = set(zipfile.ZipFile(packaged_template.with_name("deployment.zip")).namelist())
    for folder in (SHARED_TEMPLATES, CUSTOMER_TEMPLATES):
        files = sorted(folder.iterdir())
        assert files, f"{folder} has no templates"
        for path in files:
            assert path.relative_to(ROOT).as_posix() in names
