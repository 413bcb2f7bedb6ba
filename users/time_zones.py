"""The IANA time zones a user may choose: the check the API and the profile page share, and the
grouped list the page's select shows."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

TIME_ZONE_MAX_LENGTH = 64
# In the zone database's directory but no zone a person lives in.
_NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})
# The select lists these regions' zones (and UTC); the API also takes the database's other names
# (Etc/GMT+5, US/Eastern, …).
_REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


@cache
def time_zone_names() -> frozenset[str]:
    """Every IANA name zoneinfo knows, "UTC" included (read from the zone database once)."""
    return frozenset(available_timezones() | {"UTC"}) - _NOT_ZONES


def time_zone_is_known(name: str) -> bool:
    return name in time_zone_names()


def time_zone_unknown_message(name: str) -> str:
    shown = name if len(name) <= TIME_ZONE_MAX_LENGTH else f"{name[:TIME_ZONE_MAX_LENGTH]}…"
    return f"Unknown time zone '{shown}'. Use an IANA name such as Europe/Paris."


Choices = list[tuple[str, str | list[tuple[str, str]]]]


def time_zone_groups(*, current: str = "") -> Choices:
    """Choices for a grouped select (Django's format): UTC, then `(region, [(name, label), …])` for
    each region, zones by name ("America/Argentina/Salta" reads "Argentina / Salta"). `current`,
    when it is a known name outside the regions (US/Eastern), is listed too so that the select
    shows it."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(time_zone_names()):
        region, _, place = name.partition("/")
        if region in _REGIONS and place:
            groups.setdefault(region, []).append((name, place.replace("_", " ").replace("/", " / ")))
    choices: Choices = [("UTC", "UTC"), *groups.items()]
    if current != "UTC" and time_zone_is_known(current) and current.partition("/")[0] not in _REGIONS:
        choices.append(("Other", [(current, current)]))
    return choices
