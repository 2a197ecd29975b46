"""The local stack's HTTP server (`make run`): how it answers each connection."""

from __future__ import annotations

import http.client
import socket
import threading
from typing import Any

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import LocalDevServer

from infra.local_stack import _tune_request_handler, email_subject


def test_the_local_server_sends_each_reply_at_once_not_after_nagles_delay() -> None:
    app = Chalice(app_name="local-server-test")

    @app.route("/")
    def index() -> dict[str, bool]:
        return {"ok": True}

    server = LocalDevServer(app, Config.create(), "127.0.0.1", 0)
    _tune_request_handler(server.server)
    handler = server.server.RequestHandlerClass.func
    no_delay: list[int] = []
    setup = handler.setup

    def watched_setup(self: Any) -> None:
        setup(self)
        no_delay.append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    handler.setup = watched_setup
    serving = threading.Thread(target=server.server.handle_request, daemon=True)
    serving.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server.server_address[1], timeout=10)
        connection.request("GET", "/")
        response = connection.getresponse()
        assert response.status == 200
        assert response.read() == b'{"ok":true}'
        connection.close()
    finally:
        serving.join(timeout=10)
        server.server.server_close()
    assert no_delay, "the server took no connection"
    assert all(no_delay), "the server's side of the connection waits on Nagle's algorithm"


def test_the_stacks_email_line_shows_the_subject_in_chinese_not_mime_encoded() -> None:
    from email.message import EmailMessage

    message = EmailMessage()
    message["Subject"] = "我们已收到您的投诉：客服没有回电话，请打 13800138000"
    message["To"] = "someone@example.com"
    message.set_content("正文", charset="utf-8", cte="base64")
    raw = message.as_bytes().decode("ascii")
    assert "=?utf-8?" in raw  # as SES and the outbox keep it
    assert email_subject(raw) == "我们已收到您的投诉：客服没有回电话，请打 ***"  # the customer's number masked
