"""Where a play falls in the listener's zone: its local day, hour, month and year.

One definition for the summary tables, the stats read from the listens themselves, and the buckets
the API lists. An hour is the local wall-clock hour *with the offset the play had*: on the day clocks go
back, 02:30 happens twice and falls in two different hours (a 25-hour day), each play in exactly one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

ALL_TIME = date(1, 1, 1)  # the period of the all-time rows


@dataclass(frozen=True, slots=True)
class LocalKeys:
    day: date
    hour: int
    hour_start: datetime  # UTC instant the local hour began, at the play's offset

    @property
    def month(self) -> date:
        return self.day.replace(day=1)

    @property
    def year(self) -> date:
        return date(self.day.year, 1, 1)


def local_keys(played_at: datetime, tz: ZoneInfo) -> LocalKeys:
    local = played_at.astimezone(tz)
    offset = local.utcoffset() or timedelta(0)
    wall_hour = local.replace(minute=0, second=0, microsecond=0, tzinfo=None)
    return LocalKeys(day=local.date(), hour=local.hour, hour_start=(wall_hour - offset).replace(tzinfo=UTC))


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The instant a local day begins. zoneinfo's fold=0 reads a midnight skipped by a DST jump with the
    offset before it (the instant of the jump: the day's first) and a repeated midnight as the first one."""
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def hour_starts(start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[datetime, date, int]]:
    """Every local hour between two instants, as (UTC start, local day, local hour), in order.

    Walks the range in 15-minute steps (every offset in use is a multiple of 15 minutes), so 23-,
    24-, 25-hour days and half-hour zones all come out right."""
    seen: dict[datetime, tuple[date, int]] = {}
    step = timedelta(minutes=15)
    instant = start
    while instant < end:
        keys = local_keys(instant, tz)
        seen.setdefault(keys.hour_start, (keys.day, keys.hour))
        instant += step
    return [(hour, day, hour_of_day) for hour, (day, hour_of_day) in seen.items()]
