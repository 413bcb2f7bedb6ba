"""Runs the sandbox once per test session, in its own process, and points the settings at it."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent


class SandboxHandle:
    """The running sandbox, as a test drives it through its admin API."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.env: dict[str, str] = self._request("GET", "/_sandbox/env")

    def _request(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(  # noqa: S310 - loopback sandbox URL
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read() or b"null")

    def reset(self) -> None:
        self._request("POST", "/_sandbox/reset")

    def fault(self, channel: str, kind: str = "status", **options: Any) -> None:
        """The next `count` (default 1) calls to `channel` fail as asked."""
        self._request("POST", "/_sandbox/faults", {"channel": channel, "kind": kind, **options})

    def clear_faults(self) -> None:
        """Every pending fault forgotten (one with `count=-1` lasts until then)."""
        self._request("DELETE", "/_sandbox/faults")

    def calls(self, channel: str | None = None) -> list[dict[str, Any]]:
        query = f"?channel={channel}" if channel else ""
        return self._request("GET", f"/_sandbox/calls{query}")["calls"]

    def admin(self, service: str, action: str, **payload: Any) -> Any:
        return self._request("POST", f"/_sandbox/{service}/{action}", payload)


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxHandle]:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", "--quiet"],
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline().strip() if process.stdout else ""
        if not line.startswith("Sandbox listening on "):
            raise RuntimeError(f"the sandbox did not start: {line!r}")
        yield SandboxHandle(line.removeprefix("Sandbox listening on "))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def sandbox(sandbox_server: SandboxHandle, settings) -> SandboxHandle:
    """The sandbox in its seeded state, with every provider URL setting pointing at it."""
    sandbox_server.reset()
    for name, value in sandbox_server.env.items():
        setattr(settings, name, value)
    return sandbox_server
