"""Every log record of the whole test run is kept, and checked for secrets at the end.

Secrets that tests store go through `secret()`, which makes them easy to spot (`vaultsecret`).
"""

from __future__ import annotations

import logging
import secrets as random_secrets

MARKER = "vaultsecret"
WATCHED: set[str] = set()


def secret(prefix: str = "") -> str:
    """A fresh secret-looking key that the leak check watches for."""
    value = f"{prefix}{MARKER}-{random_secrets.token_urlsafe(18)}"
    WATCHED.add(value)
    return value


def watch(value: str) -> str:
    WATCHED.add(value)
    return value


class RecordingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a badly formatted record still gets its raw parts checked
            text = f"{record.msg} {record.args}"
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)

    def leaks(self) -> list[str]:
        return [line for line in self.lines if MARKER in line or any(value in line for value in WATCHED)]
