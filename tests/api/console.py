"""A browser's part, for the console's tests over chalice.test.Client: a cookie jar, forms posted with the CSRF
token the page carries, and the page's text."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class Page:
    status: int
    headers: dict[str, Any]
    body: str

    @property
    def text(self) -> str:
        """What a reader sees: the body without its tags, scripts and styles, whitespace folded."""
        visible = re.sub(r"<(script|style)\b.*?</\1>", " ", self.body, flags=re.S)
        return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", visible))).strip()

    def csrf(self) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', self.body)
        assert found is not None, "the page has a form"
        return found.group(1)

    def field(self, name: str) -> str:
        found = re.search(rf'name="{name}" value="([^"]*)"', self.body)
        assert found is not None, name
        return html.unescape(found.group(1))


@dataclass
class Browser:
    api: Any
    language: str = "zh-CN"
    cookies: dict[str, str] = field(default_factory=dict)
    set_cookies: list[str] = field(default_factory=list)

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept-Language": self.language}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return {**headers, **(extra or {})}

    def _keep(self, response: Any) -> Page:
        received = response.headers.get("Set-Cookie") or []
        for line in [received] if isinstance(received, str) else received:
            self.set_cookies.append(line)
            name, _, rest = line.partition("=")
            value = rest.split(";")[0]
            if "Max-Age=0" in line:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        body = response.body.decode("utf-8") if isinstance(response.body, bytes) else str(response.body or "")
        return Page(response.status_code, dict(response.headers), body)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Page:
        return self._keep(self.api.http.get(path, headers=self._headers(headers)))

    def post(self, path: str, fields: dict[str, str], headers: dict[str, str] | None = None) -> Page:
        body = urlencode(fields).encode("utf-8")
        return self._keep(self.api.http.post(path, headers=self._headers({**FORM, **(headers or {})}), body=body))

    def send(self, path: str, body: bytes, content_type: str) -> Page:
        """A body posted as it is (what a form of the page would never send)."""
        return self._keep(self.api.http.post(path, headers=self._headers({"Content-Type": content_type}), body=body))

    def follow(self, page: Page) -> Page:
        """Where a redirect leads."""
        assert page.status == 303, page.body
        return self.get(page.headers["Location"])

    def sign_in(self, token: str, next_path: str = "/console") -> Page:
        form = self.get(f"/console/login?next={next_path}")
        assert form.status == 200, form.body
        return self.post("/console/login", {"csrf": form.csrf(), "next": next_path, "token": token})
