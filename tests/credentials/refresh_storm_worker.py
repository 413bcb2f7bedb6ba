"""One OS process of the refresh-storm test: several threads that each use Spotify once, at the same moment.

Run as `python -m tests.credentials.refresh_storm_worker <user|credential> <id> <threads>` with the test's
settings in the environment (DATABASE_URL of the test database, the sandbox's URLs, the keys). It prints
`ready`, waits for a line on stdin (so every process starts together), then prints one JSON line:
`{"ok": <calls that worked>, "errors": [<AppError code or exception name>, ...]}`.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from typing import Any


def caller(target: str, object_id: int) -> Callable[[], str | None]:
    """Loads the user (or the credential), then returns the call: /me once as `target` ("user": a
    user's connection; "credential": the app's own account), through the project's retry-on-401 path.
    The call answers None when it worked, else the error's code."""
    from core.errors import AppError
    from credentials import spotify_app_credential, spotify_connection
    from credentials.models import SpotifyCredential
    from providers import base as provider_errors
    from users.models import User

    if target == "user":
        user = User.objects.get(pk=object_id)

        def use() -> None:
            spotify_connection.spotify_call(user=user, call=lambda client: client.me())
    else:
        credential = SpotifyCredential.objects.get(pk=object_id)

        def use() -> None:
            spotify_app_credential.spotify_credential_call(
                credential=credential, call=lambda client: client.me()
            )

    def outcome() -> str | None:
        try:
            use()
        except AppError as exc:
            return exc.code
        except provider_errors.ProviderError as exc:
            return type(exc).__name__
        return None

    return outcome


def run_threads(target: str, object_id: int, count: int) -> dict[str, Any]:
    """`count` threads that each load their row, then call Spotify together (released by a barrier)."""
    from django.db import connections

    barrier = threading.Barrier(count)
    outcomes: list[str | None] = []
    lock = threading.Lock()

    def thread_main() -> None:
        try:
            call = caller(target, object_id)
            barrier.wait(timeout=30)
            outcome = call()
        except Exception as exc:  # reported, never lost: the test asserts there is none
            outcome = f"crash:{type(exc).__name__}:{exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=thread_main) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return {
        "ok": sum(1 for outcome in outcomes if outcome is None),
        "errors": [outcome for outcome in outcomes if outcome is not None],
    }


def main() -> None:
    target, object_id, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    print("ready", flush=True)
    sys.stdin.readline()
    print(json.dumps(run_threads(target, object_id, count)), flush=True)


if __name__ == "__main__":
    main()
