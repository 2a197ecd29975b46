"""Local HTTP receivers for channel tests: an http.server on 127.0.0.1 in a thread that records every request and
answers each path the way its vendor documents a success (or as a test scripts it: errors, throttling, delays)."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# The documented success answers (status, content type, body).
SUCCESS: dict[str, tuple[int, str, bytes]] = {
    "/wecom": (200, "application/json", b'{"errcode":0,"errmsg":"ok"}'),
    "/dingtalk": (200, "application/json", b'{"errcode":0,"errmsg":"ok"}'),
    "/feishu": (200, "application/json", b'{"code":0,"msg":"success","data":{}}'),
    "/slack": (200, "text/plain", b"ok"),
    "/pagerduty": (202, "application/json", b'{"status":"success","message":"Event processed","dedup_key":"x"}'),
    "/webhook": (204, "text/plain", b""),
}


@dataclass(frozen=True)
class Received:
    """One request as the receiver got it."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Scripted:
    status: int
    body: bytes
    headers: dict[str, str]
    delay: float


class Receiver:
    """Records requests; answers scripted answers first (per path, in order), then the vendor's success."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._scripts: dict[str, list[Scripted]] = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                received = Received(parts.path, urllib.parse.parse_qs(parts.query), headers, body, time.monotonic())
                with receiver._lock:
                    receiver.requests.append(received)
                    queue = receiver._scripts.get(parts.path, [])
                    scripted = queue.pop(0) if queue else None
                if scripted is not None:
                    time.sleep(scripted.delay)
                    status, content_type, answer = scripted.status, "application/json", scripted.body
                    extra = scripted.headers
                else:
                    status, content_type, answer = SUCCESS.get(parts.path, (200, "text/plain", b"ok"))
                    extra = {}
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(answer)))
                    for name, value in extra.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:  # the client gave up (a timeout test)
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def script(
        self,
        path: str,
        status: int,
        body: bytes = b"{}",
        headers: dict[str, str] | None = None,
        times: int = 1,
        delay: float = 0.0,
    ) -> None:
        """Answer the next `times` requests to `path` so."""
        with self._lock:
            queue = self._scripts.setdefault(path, [])
            queue.extend(Scripted(status, body, headers or {}, delay) for _ in range(times))

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()
