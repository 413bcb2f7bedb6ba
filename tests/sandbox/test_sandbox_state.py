"""Issue 18 item 5: `python -m sandbox --state FILE` (what `make run` does) keeps the tokens it issued,
and its other state, across a restart, so the demo's Spotify stays connected."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from sandbox.services import lastfm, spotify
from tests.sandbox_fixture import BASE_DIR


@contextmanager
def running_sandbox(state: Path) -> Iterator[str]:
    process = subprocess.Popen(  # noqa: S603 - our sandbox
        [sys.executable, "-m", "sandbox", "--port", "0", "--quiet", "--state", str(state)],
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline().strip() if process.stdout else ""
        assert line.startswith("Sandbox listening on "), line
        yield line.removeprefix("Sandbox listening on ")
    finally:
        process.terminate()  # SIGTERM, as make run's trap sends it
        process.wait(timeout=10)


def call(url: str, *, payload: dict | None = None, token: str = "") -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - loopback sandbox
        url,
        data=json.dumps(payload).encode() if payload is not None else None,
        method="POST" if payload is not None else "GET",
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def demo_newest(url: str) -> int:
    return call(f"{url}/_sandbox/lastfm/state", payload={"user": lastfm.DEMO_USER})[1]["newest_uts"]


def test_tokens_and_scrobbles_survive_a_restart(tmp_path):
    state = tmp_path / ".sandbox-state"
    with running_sandbox(state) as url:
        status, grant = call(f"{url}/_sandbox/spotify/issue_token", payload={"user": spotify.PREMIUM_USER})
        assert status == 200
        token = grant["access_token"]
        assert call(f"{url}{spotify.API_PREFIX}/me", token=token)[0] == 200
        added = call(
            f"{url}/_sandbox/lastfm/add_scrobbles",
            payload={
                "user": lastfm.USER,
                "tracks": [{"title": "Kept", "artist": "Nova Lane", "uts": 1800000000}],
            },
        )[1]
        first_newest = demo_newest(url)

    with running_sandbox(state) as url:
        status, me = call(f"{url}{spotify.API_PREFIX}/me", token=token)
        assert status == 200, me
        assert me["id"] == spotify.PREMIUM_USER
        assert (
            call(f"{url}/_sandbox/lastfm/state", payload={"user": lastfm.USER})[1]["scrobbles"]
            == added["total"]
        )
        assert demo_newest(url) >= first_newest  # the demo's history is carried on, never moved


def test_without_state_a_restart_forgets_the_tokens(tmp_path):
    """What `make run` did before: the demo's Spotify was disconnected by every restart."""
    with running_sandbox(tmp_path / "a") as url:
        token = call(f"{url}/_sandbox/spotify/issue_token", payload={"user": spotify.PREMIUM_USER})[1][
            "access_token"
        ]
    with running_sandbox(tmp_path / "b") as url:
        assert call(f"{url}{spotify.API_PREFIX}/me", token=token)[0] == 401


@pytest.mark.parametrize("content", [b"", b"not a pickle", b"\x80\x04K\x01."])
def test_an_unreadable_state_file_starts_from_the_seeded_state(tmp_path, content):
    state = tmp_path / ".sandbox-state"
    state.write_bytes(content)
    with running_sandbox(state) as url:
        assert call(f"{url}/_sandbox/health")[0] == 200
