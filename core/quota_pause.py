"""Apps whose provider quota is spent: their calls wait until the pause ends instead of spending more.

Spotify's development-mode quota is shared by every user of an app (a 429 with `QUOTA_EXCEEDED` and no
Retry-After), so one user's refusal means every user of that app is refused. The pause lives in the
cache (Redis in production), so every web process and worker sees it; other apps are not touched.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone


def _key(provider: str, app_id: str) -> str:
    return f"quota-pause:{provider}:{app_id}"


def quota_pause(*, provider: str, app_id: str, seconds: int) -> datetime:
    """Pauses the app's calls for `seconds`; returns when the pause ends."""
    until = timezone.now() + timedelta(seconds=seconds)
    cache.set(_key(provider, app_id), until.isoformat(), timeout=seconds)
    return until


def quota_paused_until(*, provider: str, app_id: str | None) -> datetime | None:
    """When the app's pause ends, or None when it may call."""
    if not app_id:
        return None
    value = cache.get(_key(provider, app_id))
    if value is None:
        return None
    until = datetime.fromisoformat(value)
    return until if until > timezone.now() else None
