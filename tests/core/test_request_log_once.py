"""Issue 18 item 10: `make run` (daphne's runserver, DEBUG on) logs every request once, not twice."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def test_a_request_line_of_the_development_server_is_printed_once(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST"))}
    env.update(DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'log.sqlite3'}", LOG_FORMAT="plain")
    line = "HTTP GET /health/ 200 [0.01, 127.0.0.1:5555]"
    result = subprocess.run(  # noqa: S603 - our manage.py
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            f"import logging; logging.getLogger('django.channels.server').info({line!r})",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    assert (result.stdout + result.stderr).count(line) == 1, result.stdout + result.stderr
