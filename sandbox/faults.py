"""Faults on demand: the next N calls to a channel answer badly, as the test that set them asks."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

KINDS = ("status", "hang", "malformed", "empty", "token_expired", "token_revoked", "plain")


@dataclass
class Fault:
    channel: str  # a mount name such as "spotify-api", or "*" for every channel
    kind: str = "status"  # one of KINDS; services interpret the token_* kinds
    count: int = 1  # how many calls it affects (-1: until cleared)
    status: int = 500
    retry_after: int | None = None
    delay: float = 0.0  # seconds to wait (kind "hang", or before any other kind)
    message: str | None = None
    path: str | None = None  # only calls whose path contains this
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        known = {name for name in cls.__dataclass_fields__ if name != "extra"}
        fault = cls(**{key: value for key, value in data.items() if key in known})
        fault.extra = {key: value for key, value in data.items() if key not in known}
        if fault.kind not in KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; one of {', '.join(KINDS)}")
        if fault.kind == "hang" and not fault.delay:
            fault.delay = 30.0
        return fault


class FaultBook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, channel: str, path: str) -> Fault | None:
        """The first fault that applies to this call, counted down."""
        with self._lock:
            for fault in self._faults:
                if fault.channel not in (channel, "*"):
                    continue
                if fault.path and fault.path not in path:
                    continue
                if fault.count > 0:
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(vars(fault)) for fault in self._faults]
