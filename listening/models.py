"""Seed 001: every play a user made, from Spotify and Last.fm, in one table.

A *listen* is one play of a track (not a catalog song). The seed's unique key (user + title +
artist + played_at) dedupes re-imports. Spotify's `played_at` is when a play ended; Last.fm's is
when it started: the same play from both sources is two rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import TimeStampedModel


class Source(models.TextChoices):
    SPOTIFY = "spotify", "Spotify"
    LASTFM = "lastfm", "Last.fm"
    ROOM = "room", "A listening room"
    LISTENBRAINZ = "listenbrainz", "Scrobbled (ListenBrainz API)"
    # Imported from an export file (listening/import_jobs.py).
    SPOTIFY_EXPORT = "spotify_export", "Spotify export file"
    LASTFM_EXPORT = "lastfm_export", "Last.fm export file"
    LISTENBRAINZ_EXPORT = "listenbrainz_export", "ListenBrainz export file"
    # A song of MusicHub's own catalog, streamed past half its length or 4 minutes (musics).
    LIBRARY = "library", "MusicHub library"


class Listen(TimeStampedModel):
    # core
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="listens")
    title = models.CharField(max_length=255)
    artist = models.CharField(max_length=255)
    album = models.CharField(max_length=255, blank=True)
    played_at = models.DateTimeField()
    source = models.CharField(max_length=20, choices=Source.choices)
    # Spotify
    track_url = models.URLField(max_length=500, blank=True)
    artists_url = models.CharField(max_length=1000, blank=True, help_text="Artist URLs, comma-separated.")
    duration_ms = models.PositiveIntegerField(default=0)
    album_thumbnail = models.URLField(max_length=500, blank=True)
    # Last.fm, enhanced
    artist_lastfm_url = models.URLField(max_length=500, null=True, blank=True)
    track_mbid = models.CharField(max_length=36, null=True, blank=True)
    artist_mbid = models.CharField(max_length=36, null=True, blank=True)
    album_mbid = models.CharField(max_length=36, null=True, blank=True)
    loved = models.BooleanField(default=False)
    streamable = models.BooleanField(default=False)
    # image sizes
    album_thumbnail_small = models.URLField(max_length=500, null=True, blank=True)
    album_thumbnail_medium = models.URLField(max_length=500, null=True, blank=True)
    album_thumbnail_large = models.URLField(max_length=500, null=True, blank=True)
    album_thumbnail_extralarge = models.URLField(max_length=500, null=True, blank=True)
    # ListenBrainz submissions: the listen's `additional_info` kept whole, and who sent it
    client = models.CharField(
        max_length=255, blank=True, help_text="The player or scrobbler that submitted it, with its version."
    )
    additional_info = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-played_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "title", "artist", "played_at"], name="listening_listen_unique_play"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-played_at", "-id"], name="listen_user_recent"),
            models.Index(fields=["user", "source", "-played_at", "-id"], name="listen_user_source_recent"),
            models.Index(fields=["user", "artist"], name="listen_user_artist"),
        ]

    def __str__(self) -> str:
        return f"{self.artist}: {self.title} ({self.source}, {self.played_at:%Y-%m-%d %H:%M})"


class SyncJob(TimeStampedModel):
    """One sync or backfill of one source for one user, run page by page with its progress saved.

    `cursor` says where the next page starts; it is saved in the same transaction as the page's
    listens, so a crash never skips a page and never imports one twice.
    """

    class Kind(models.TextChoices):
        SYNC = "sync", "Sync (new plays)"
        BACKFILL = "backfill", "Full history backfill"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        WAITING = "waiting", "Waiting (rate limited or provider down)"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING, Status.WAITING)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sync_jobs")
    source = models.CharField(max_length=20, choices=Source.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    cursor = models.JSONField(default=dict, blank=True)
    pages_done = models.PositiveIntegerField(default=0)
    pages_total = models.PositiveIntegerField(null=True, blank=True)
    imported = models.PositiveIntegerField(default=0, help_text="New listens stored.")
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Failures in a row.")
    last_error = models.TextField(blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    retry_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="The last sign of life: queued, or a step started or stored a page."
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "source"],
                condition=Q(status__in=["queued", "running", "waiting"]),
                name="listening_syncjob_one_active_per_source",
            ),
        ]
        indexes = [
            # The watchdog looks for active jobs gone silent every few seconds: a small index.
            models.Index(
                fields=["heartbeat_at"],
                condition=Q(status__in=["queued", "running", "waiting"]),
                name="syncjob_active_heartbeat",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.source} for user {self.user_id}: {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @classmethod
    def dead_after(cls) -> timedelta:
        """How long an active job may stay silent before it counts as dead (SYNC_JOB_DEAD_SECONDS)."""
        return timedelta(seconds=settings.SYNC_JOB_DEAD_SECONDS)

    @classmethod
    def dead_q(cls, *, cutoff: datetime) -> Q:
        """Active jobs with no sign of life since `cutoff`, and not waiting for a later `retry_at`.

        A worker writes `heartbeat_at` when it queues, starts and finishes each page, so a job whose
        heartbeat is older than the threshold lost its worker (killed, or its message stuck unacked in
        the broker). A job waiting out a rate limit is alive until its `retry_at`.
        """
        silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, updated_at__lt=cutoff)
        not_sleeping = Q(retry_at__isnull=True) | Q(retry_at__lt=cutoff)
        return Q(status__in=cls.ACTIVE) & silent & not_sleeping

    def is_dead(self, now: datetime | None = None) -> bool:
        """Active, but silent for longer than the threshold: its worker died. Resuming is safe."""
        cutoff = (now or timezone.now()) - self.dead_after()
        beat = self.heartbeat_at or self.updated_at
        return (
            self.is_active
            and beat is not None
            and beat < cutoff
            and (self.retry_at is None or self.retry_at < cutoff)
        )

    def mark_failed(self, message: str, code: str) -> None:
        self.status = self.Status.FAILED
        self.last_error = message[:2000]
        self.error_code = code
        self.finished_at = timezone.now()

    def mark_done(self) -> None:
        self.status = self.Status.DONE
        self.finished_at = timezone.now()
        self.retry_at = None
        self.last_error = ""
        self.error_code = ""


class ImportJob(TimeStampedModel):
    """One uploaded export file read into a user's listens, page by page, with its place saved.

    `cursor` ({"member": i, "item": n}: the members of a ZIP in `members`, n rows of member i done)
    moves in the same transaction as the page's listens and counts, so a crash loses at most the page
    in flight, which the resumed run reads again (and the store dedupes).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE = (Status.QUEUED, Status.RUNNING)
    MAX_ERRORS = 20  # bad rows kept with where they are; the rest are only counted

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    format = models.CharField(
        max_length=40, blank=True, help_text="What the file is (import_formats.Format)."
    )
    file = models.FileField(upload_to="imports/", max_length=300, blank=True)
    file_name = models.CharField(max_length=255, blank=True, help_text="The uploaded file's name.")
    dry_run = models.BooleanField(default=False, help_text="Read everything, store nothing.")
    members = models.JSONField(default=list, blank=True, help_text="[{name, format, size}] read in order.")
    cursor = models.JSONField(default=dict, blank=True)
    bytes_total = models.BigIntegerField(default=0)
    bytes_read = models.BigIntegerField(default=0)
    rows_read = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(
        default=0, help_text="New listens (a dry run: listens it would add)."
    )
    duplicates = models.PositiveIntegerField(default=0, help_text="Listens already stored.")
    skipped = models.JSONField(default=dict, blank=True, help_text="Rows left out, by reason.")
    bad_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="The first bad rows: file, where, message.")
    error_code = models.CharField(max_length=40, blank=True)
    last_error = models.TextField(blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["heartbeat_at"],
                condition=Q(status__in=["queued", "running"]),
                name="importjob_active_beat",
            ),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.file_name} for user {self.user_id}: {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def progress(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, self.bytes_read * 100 // self.bytes_total) if self.bytes_total else 0

    @classmethod
    def dead_q(cls, *, cutoff: datetime) -> Q:
        """Active jobs silent since `cutoff` (SYNC_JOB_DEAD_SECONDS ago): their worker died."""
        silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, updated_at__lt=cutoff)
        return Q(status__in=cls.ACTIVE) & silent

    def mark_failed(self, message: str, code: str) -> None:
        self.status = self.Status.FAILED
        self.last_error = message[:2000]
        self.error_code = code
        self.finished_at = timezone.now()

    def mark_done(self) -> None:
        self.status = self.Status.DONE
        self.bytes_read = self.bytes_total
        self.finished_at = timezone.now()


# --- Summary tables for the stats (listening/stats/): kept right by every write, in the user's zone ---


class StatsZone(models.Model):
    """The zone the user's summary tables are counted in. When the user's own zone (their profile)
    differs, the tables are stale: stats read the listens themselves until a rebuild catches up."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="stats_zone"
    )
    zone = models.CharField(max_length=64)
    built_at = models.DateTimeField(null=True, blank=True, help_text="When the tables were last rebuilt.")

    def __str__(self) -> str:
        return f"Stats of user {self.user_id} in {self.zone}"


class StatsPending(models.Model):
    """A stored listen not yet counted into the summary tables. Writes only log it (one small row, in
    the listen's transaction); a stats read, or the fold task, counts the log in, grouped, first."""

    listen_id = models.BigIntegerField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"Listen {self.listen_id} of user {self.user_id}, not counted yet"


class StatsItem(models.Model):
    """Plays and time of one artist, track or album, per calendar month, year and all time, per source.

    `period` is the first day of the month or year in the user's stats zone (0001-01-01 for all time);
    `name` is the artist, the title or the album, `artist` the track's or album's artist ("" for an
    artist). `first_played_at` is kept on the all-time artist rows: the artist's first play from that
    source (the stats' "new artists"). `source` "*" rows add every source up.
    """

    class Kind(models.TextChoices):
        ARTIST = "artist", "Artist"
        TRACK = "track", "Track"
        ALBUM = "album", "Album"

    class Level(models.TextChoices):
        MONTH = "m", "Month"
        YEAR = "y", "Year"
        ALL = "a", "All time"

    # db_index=False: the unique constraint's first column is the user
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=6, choices=Kind.choices)
    level = models.CharField(max_length=1, choices=Level.choices)
    period = models.DateField()
    source = models.CharField(max_length=20, choices=Source.choices)
    name = models.CharField(max_length=255)
    artist = models.CharField(max_length=255, blank=True)
    plays = models.IntegerField(default=0)
    ms = models.BigIntegerField(default=0)
    first_played_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "level", "period", "source", "name", "artist"],
                name="listening_statsitem_unique",
            ),
        ]
        indexes = [
            # A period's top list read in order (source "*" is every source added up), then stopped.
            models.Index(
                fields=["user", "kind", "level", "period", "source", "-plays"],
                include=["ms", "name", "artist"],
                name="statsitem_top",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.name} ({self.level} {self.period}, {self.source}): {self.plays}"


class StatsDay(models.Model):
    """Plays and time per local day and source."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    day = models.DateField()
    plays = models.IntegerField(default=0)
    ms = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day", "source"], name="listening_statsday_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} ({self.source}): {self.plays}"


class StatsHour(models.Model):
    """Plays and time per local hour and source. `start` is the instant the local hour began, with the
    offset the plays in it had: the hour repeated when clocks go back is two rows (a 25-hour day)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    start = models.DateTimeField()
    day = models.DateField()
    hour = models.PositiveSmallIntegerField()
    plays = models.IntegerField(default=0)
    ms = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "start", "source"], name="listening_statshour_unique"),
        ]
        indexes = [models.Index(fields=["user", "day"], name="statshour_user_day")]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} UTC ({self.source}): {self.plays}"
