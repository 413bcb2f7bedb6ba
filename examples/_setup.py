"""Shared start-up for the examples: point MusicHub at a running sandbox, then set Django up.

Run an example from the repository root while `make run` is up (it starts the sandbox on port 8765):
    .venv/bin/python examples/music_platform_usage.py [--sandbox http://127.0.0.1:8765]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request
from pathlib import Path


def setup(description: str) -> str:
    """Reads --sandbox, exports the sandbox's settings (unless already set), sets Django up."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sandbox", default="http://127.0.0.1:8765", help="the running sandbox's URL")
    args = parser.parse_args()
    with urllib.request.urlopen(f"{args.sandbox}/_sandbox/env", timeout=5) as response:  # noqa: S310
        for name, value in json.loads(response.read()).items():
            os.environ.setdefault(name, value)
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    os.chdir(root)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    return args.sandbox
