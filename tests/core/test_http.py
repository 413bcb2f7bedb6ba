"""The outgoing HTTP session, against a real HTTP server on loopback."""

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from core.http import USER_AGENT, http_client, make_http_client


class ScriptedServer:
    """Answers each request with the next (status, headers, delay) of its script."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, str], float]] = []
        self.requests: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                server.requests.append({"method": self.command, **dict(self.headers)})
                status, headers, delay = server.script.pop(0) if server.script else (200, {}, 0.0)
                time.sleep(delay)
                body = f'{{"status": {status}}}'.encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError):  # the client gave up (timeout test)
                    self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    yield scripted
    scripted.httpd.shutdown()
    scripted.httpd.server_close()


def test_sends_our_user_agent(server):
    http_client().get(server.url)

    assert server.requests[0]["User-Agent"] == USER_AGENT


def test_retries_5xx_then_succeeds(server):
    server.script = [(503, {}, 0), (502, {}, 0), (200, {}, 0)]

    response = make_http_client(retries=2, backoff_factor=0).get(server.url)

    assert response.status_code == 200
    assert len(server.requests) == 3


def test_retries_are_bounded(server):
    server.script = [(503, {}, 0)] * 5

    response = make_http_client(retries=2, backoff_factor=0).get(server.url)

    assert response.status_code == 503
    assert len(server.requests) == 3


def test_a_429_is_handed_back_at_once_for_the_caller(server):
    server.script = [(429, {"Retry-After": "7"}, 0)]

    response = make_http_client(retries=2, backoff_factor=0).get(server.url)

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert len(server.requests) == 1


def test_post_is_not_retried(server):
    server.script = [(503, {}, 0), (200, {}, 0)]

    response = make_http_client(retries=2, backoff_factor=0).post(server.url)

    assert response.status_code == 503
    assert len(server.requests) == 1


def test_every_call_has_a_timeout(server):
    server.script = [(200, {}, 1.0)] * 3

    with pytest.raises(httpx.TimeoutException):
        make_http_client(timeout=0.2, retries=0).get(server.url)


def test_http_client_is_shared():
    assert http_client() is http_client()


def test_cookies_set_by_a_provider_are_not_kept(server):
    server.script = [(200, {"Set-Cookie": "session=abc; Path=/"}, 0), (200, {}, 0)]
    client = make_http_client(retries=0)

    client.get(server.url)
    client.get(server.url)

    assert "Cookie" not in server.requests[1]
