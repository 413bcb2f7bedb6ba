from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from scrobbling.services import listenbrainz_token_issue
from tests.factories import UserFactory
from tests.scrobbling.live import live_musichub  # noqa: F401 (fixture: one server for the session)
from tests.secrets_watch import watch
from users.services import user_name_set


@dataclass
class Scrobbler:
    """A user with a ListenBrainz token, and a client that talks to the API as players do."""

    user: Any
    token: str
    client: Client
    root: str = "/1/"

    def auth(self, word: str = "Token") -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"{word} {self.token}"}

    def submit(
        self, body: Any, *, word: str = "Token", content_type: str = "application/json", path: str = ""
    ):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.client.generic(
            "POST", path or f"{self.root}submit-listens", raw, content_type=content_type, **self.auth(word)
        )

    def get(self, path: str, *, auth: bool = True, **params: Any):
        headers = self.auth() if auth else {}
        return self.client.get(f"{self.root}{path}", params, **headers)


def listen(
    ts: int | None = None, *, track: str = "Tail Lights", artist: str = "Nova Lane", **extra: Any
) -> dict:
    metadata: dict[str, Any] = {"artist_name": artist, "track_name": track, "release_name": "Night Drive"}
    metadata.update(extra)
    item: dict[str, Any] = {"track_metadata": metadata}
    if ts is not None:
        item["listened_at"] = ts
    return item


def now() -> int:
    return int(time.time())


@pytest.fixture
def scrobbler(db) -> Scrobbler:
    user = UserFactory(email="nova.listener@example.com")
    user_name_set(user=user, user_name="nova")
    token = watch(listenbrainz_token_issue(user=user))
    return Scrobbler(user=user, token=token, client=Client())
