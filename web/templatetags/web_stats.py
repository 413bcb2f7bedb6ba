"""The Stats pages' filters: `{{ n|plays_count }}` ("1,204 plays"), `{{ ms|listening_time }}` ("3 h 05 min"),
`{{ key|month_name }}` ("2026-03": "March")."""

from __future__ import annotations

from datetime import date

from django import template

from web.stats_charts import duration_text, plays_text

register = template.Library()


@register.filter
def plays_count(n: int) -> str:
    return plays_text(int(n or 0))


@register.filter
def listening_time(ms: int) -> str:
    return duration_text(int(ms or 0))


@register.filter
def month_name(key: str) -> str:
    """A month bucket's key ("2026-03") as "March"."""
    try:
        return date.fromisoformat(f"{key}-01").strftime("%B")
    except (TypeError, ValueError):
        return str(key)
