"""The daphne command (`python -m core.daphne_server`) refuses an oversized body before storing it.

Twisted reads a request's whole body into a temporary file before daphne calls the application, so
an anonymous 300 MB POST used to land on disk before any check. Started for real here and spoken to
over a raw socket: the 413 must arrive while the client has sent only the headers (or the first
chunks), which can only happen if the server decided without reading the body.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import free_port

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def daphne_port(tmp_path_factory) -> Iterator[int]:
    port = free_port()
    log = tmp_path_factory.mktemp("daphne") / "daphne.log"
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
            [
                sys.executable,
                "-m",
                "core.daphne_server",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "config.asgi:application",
            ],
            cwd=BASE_DIR,
            env={**os.environ, "DEBUG": "true"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"daphne did not start:\n{log.read_text()}") from None
            time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(timeout=10)
    assert "Traceback" not in log.read_text()


def exchange(port: int, head: bytes, body: bytes = b"") -> bytes:
    """Sends `head` (then `body`, if the server still listens) and reads the answer, 5 s at most."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(head)
        if body:
            with contextlib.suppress(OSError):  # the server may already have answered and closed
                conn.sendall(body)
        answer = b""
        try:
            while chunk := conn.recv(65536):
                answer += chunk
        except TimeoutError:
            pass
    return answer


def test_a_declared_300_mb_body_is_refused_from_its_headers(daphne_port):
    answer = exchange(
        daphne_port, b"POST /api/auth/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 300000000\r\n\r\n"
    )

    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"code": "request_too_large"' in answer


def test_a_chunked_body_is_cut_off_past_the_limit(daphne_port):
    chunk = b"x" * 65536
    body = b"".join(b"%x\r\n" % len(chunk) + chunk + b"\r\n" for _ in range(40))  # 2.5 MiB, never ended

    answer = exchange(
        daphne_port,
        b"POST /api/auth/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        body,
    )

    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_small_body_still_reaches_the_application(daphne_port):
    answer = exchange(
        daphne_port,
        b"POST /api/auth/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 2\r\nConnection: close\r\n\r\n{}",
    )

    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b'"email"' in answer
