"""Issue 18 item 8: in the demo, `make manage CMD=…` (scripts/demo_manage.sh) runs a manage.py command
with the settings `make run` gives the server, so `validate_credentials` checks the sandbox, not the
real services."""

import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parents[1]
PRINT_URLS = (
    "from django.conf import settings; print(settings.SPOTIFY_API_URL); print(settings.LASTFM_API_URL)"
)


def demo_manage(port: int, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.endswith("_API_URL")}
    env.update(SANDBOX_PORT=str(port), DEBUG="true")
    return subprocess.run(  # noqa: S603 - our script
        [str(BASE_DIR / "scripts" / "demo_manage.sh"), *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_command_reaches_the_sandbox_make_run_started(sandbox_server):
    port = urlsplit(sandbox_server.url).port

    result = demo_manage(port, "shell", "-c", PRINT_URLS)

    assert result.returncode == 0, result.stderr
    spotify, lastfm = result.stdout.split()[-2:]  # after anything the settings print
    assert spotify.startswith(sandbox_server.url)
    assert lastfm.startswith(sandbox_server.url)


def test_without_the_demo_running_it_says_to_start_it():
    result = demo_manage(9, "shell", "-c", PRINT_URLS)  # port 9 (discard): nothing listens

    assert result.returncode == 1
    assert "start the demo with `make run` first" in result.stderr
