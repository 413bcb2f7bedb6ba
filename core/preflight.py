"""`python -m core.preflight`: refuses to serve a misconfigured production, then migrates and collects static.

`make serve` runs it before starting the process set (Procfile). It names every setting that is wrong
at once: DEBUG on, SECRET_KEY unset, DATABASE_URL not PostgreSQL, REDIS_URL unset (the web workers,
the Celery worker and beat share the database, the cache, the broker and the WebSocket layer, so
neither SQLite nor the in-process fallbacks work across processes). Then it applies migrations and
runs `collectstatic` (with DEBUG off every page needs the collected, hashed static files).
"""

from __future__ import annotations

import os
import sys

PRODUCTION_HINT = "see .env.sample and the README's Production section"


def preflight_problems() -> list[str]:
    """What stops these settings from serving production, one sentence per setting (empty: ready)."""
    from django.conf import settings

    problems = []
    if settings.DEBUG:
        problems.append(
            "DEBUG is on: set DEBUG=false (DEBUG shows tracebacks and settings to anyone "
            "and keeps every query in memory)."
        )
    if not os.environ.get("SECRET_KEY"):
        problems.append(
            "SECRET_KEY is not set: set it to 50+ random characters "
            '(python -c "import secrets; print(secrets.token_urlsafe(64))").'
        )
    engine = settings.DATABASES["default"]["ENGINE"]
    if not os.environ.get("DATABASE_URL"):
        problems.append("DATABASE_URL is not set: set it to postgres://user:password@host:5432/musichub.")
    elif engine != "django.db.backends.postgresql":
        problems.append(
            "DATABASE_URL must be PostgreSQL (postgres://user:password@host:5432/musichub), "
            f"not {engine.rsplit('.', 1)[-1]}: the web workers and the Celery worker share it."
        )
    if not settings.REDIS_URL:
        problems.append(
            "REDIS_URL is not set: set it to redis://host:6379/0 (the cache, the Celery broker and the "
            "WebSocket layer every process shares)."
        )
    return problems


def main() -> int:
    """Check, then migrate and collect static files; 0 when the process set may start."""
    import django
    from django.core.exceptions import ImproperlyConfigured

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    try:
        django.setup()  # reads config/settings.py, which refuses some settings itself (SECRET_KEY)
    except ImproperlyConfigured as exc:
        print(f"preflight: refusing to start: {exc}", file=sys.stderr)
        return 2
    problems = preflight_problems()
    if problems:
        for problem in problems:
            print(f"preflight: refusing to start: {problem}", file=sys.stderr)
        print(f"preflight: {PRODUCTION_HINT}.", file=sys.stderr)
        return 2

    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    call_command("collectstatic", interactive=False, verbosity=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
