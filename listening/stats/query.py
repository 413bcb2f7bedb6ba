"""What every stats question is about: a user, a range of local days in their zone, sources, collapse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from listening.stats.keys import local_midnight


@dataclass(frozen=True)
class StatsQuery:
    user_id: int
    tz: ZoneInfo
    first: date  # the range's first local day
    last: date  # its last local day, inclusive
    sources: tuple[str, ...] = ()  # () = every source
    collapse: bool = False  # a play seen by Spotify and Last.fm counted once
    label: str = ""
    all_time: bool = False  # every play, whatever its day (first/last are the history's ends)
    use_tables: bool | None = None  # whether the summary tables answer (None: not asked yet)

    @property
    def start(self) -> datetime:
        return local_midnight(self.first, self.tz)

    @property
    def end(self) -> datetime:
        """The instant after the range (exclusive)."""
        return local_midnight(self.last + timedelta(days=1), self.tz)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class Pieces:
    """A range cut into what the summary tables answer (whole years, whole months) and the days
    around them, which are read from the listens."""

    years: list[date]
    months: list[date]
    day_runs: list[tuple[date, date]]  # inclusive runs of days inside one month


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def pieces(first: date, last: date) -> Pieces:
    years: list[date] = []
    months: list[date] = []
    runs: list[tuple[date, date]] = []
    day = first
    while day <= last:
        if day.month == 1 and day.day == 1 and date(day.year, 12, 31) <= last:
            years.append(day)
            day = date(day.year + 1, 1, 1)
            continue
        month_end = _next_month(day) - timedelta(days=1)
        if day.day == 1 and month_end <= last:
            months.append(day)
        else:
            runs.append((day, min(month_end, last)))
        day = month_end + timedelta(days=1)
    return Pieces(years, months, runs)
