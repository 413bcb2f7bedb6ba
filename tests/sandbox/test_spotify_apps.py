"""The fake Spotify's development mode: apps list at most five users, a user an app does not list gets
Spotify's plain-text 403 whoever consented, and an app's quota answers 429 QUOTA_EXCEEDED."""

from __future__ import annotations

import time

import httpx
import pytest

from sandbox.services.spotify import (
    CLIENT_ID,
    FREE_USER,
    IDLE_USER,
    NOT_REGISTERED,
    PREMIUM_USER,
    UNLISTED_USER,
)
from tests.sandbox.test_spotify_sandbox import REDIRECT, code_for

OWN_APP = {"client_id": "ann-own-app", "client_secret": "ann-own-secret"}


@pytest.fixture
def accounts(sandbox) -> str:
    return sandbox.env["SPOTIFY_ACCOUNTS_URL"]


@pytest.fixture
def api(sandbox) -> str:
    return sandbox.env["SPOTIFY_API_URL"]


def admin(sandbox, action: str, **payload) -> httpx.Response:
    return httpx.post(f"{sandbox.url}/_sandbox/spotify/{action}", json=payload)


def me(api: str, sandbox, user: str, client_id: str = CLIENT_ID) -> httpx.Response:
    token = sandbox.admin("spotify", "issue_token", user=user, client_id=client_id)["access_token"]
    return httpx.get(f"{api}/me", headers={"Authorization": f"Bearer {token}"})


def test_an_own_app_serves_the_users_it_lists_and_only_them(sandbox, api):
    sandbox.admin("spotify", "register_app", users=[UNLISTED_USER], **OWN_APP)

    assert me(api, sandbox, UNLISTED_USER, OWN_APP["client_id"]).status_code == 200  # listed there
    refused = me(api, sandbox, PREMIUM_USER, OWN_APP["client_id"])
    assert (refused.status_code, refused.text) == (403, NOT_REGISTERED)
    assert me(api, sandbox, UNLISTED_USER).status_code == 403  # still not on the seeded app


def test_an_app_lists_five_users_at_most(sandbox):
    sandbox.admin("spotify", "register_app", users=[PREMIUM_USER, FREE_USER], max_users=3, **OWN_APP)
    sandbox.admin("spotify", "allow", client_id=OWN_APP["client_id"], user=IDLE_USER)

    fourth = admin(sandbox, "allow", client_id=OWN_APP["client_id"], user=UNLISTED_USER)
    assert (fourth.status_code, fourth.json()["error"]) == (400, "development mode lists at most 3 users")
    six = admin(sandbox, "register_app", users=[PREMIUM_USER] * 6, **OWN_APP)
    assert six.status_code == 200  # the same user six times is one user
    assert six.json()["max_users"] == 5  # development mode's limit, unless the test says otherwise
    everyone = ["wizzler", "freeloader", "idle-ida", "devmode-dan", "stranger"]
    assert admin(sandbox, "register_app", users=everyone, max_users=4, **OWN_APP).status_code == 400


def test_the_code_flow_works_for_an_own_app_and_its_code_only_there(sandbox, accounts):
    sandbox.admin("spotify", "register_app", users=[PREMIUM_USER], **OWN_APP)
    code = code_for(accounts, client_id=OWN_APP["client_id"])
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}

    wrong_app = httpx.post(f"{accounts}/api/token", data=form, auth=(CLIENT_ID, "sandbox-spotify-secret"))
    assert wrong_app.status_code == 400  # a code is spent by its first use, whichever app presents it

    code = code_for(accounts, client_id=OWN_APP["client_id"])
    tokens = httpx.post(
        f"{accounts}/api/token",
        data={**form, "code": code},
        auth=(OWN_APP["client_id"], OWN_APP["client_secret"]),
    )
    assert tokens.status_code == 200, tokens.text


def test_a_spent_quota_answers_quota_exceeded_until_the_window_ends(sandbox, api):
    sandbox.admin("spotify", "register_app", users=[PREMIUM_USER], quota=2, quota_window=1.0, **OWN_APP)

    answers = [me(api, sandbox, PREMIUM_USER, OWN_APP["client_id"]) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[2].json() == {
        "error": {"status": 429, "message": "Too many requests", "reason": "QUOTA_EXCEEDED"}
    }
    assert "Retry-After" not in answers[2].headers
    assert me(api, sandbox, PREMIUM_USER).status_code == 200  # another app's quota is its own
    time.sleep(1.1)
    assert me(api, sandbox, PREMIUM_USER, OWN_APP["client_id"]).status_code == 200
