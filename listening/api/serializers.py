"""Seed 001's JSON shapes, field names included."""

from rest_framework import serializers

from core.serializers import ReadRowsSerializer
from listening.models import ImportJob, Listen, SyncJob

THUMBNAIL_SIZES = ("small", "medium", "large", "extralarge")


class SpotifyListenSerializer(serializers.Serializer):
    title = serializers.CharField()
    artist = serializers.CharField()
    album = serializers.CharField()
    album_thumbnail = serializers.CharField()
    track_url = serializers.CharField()
    artists_url = serializers.CharField()
    duration_ms = serializers.IntegerField()
    played_at = serializers.DateTimeField()
    # A field named `source` shadows Field.source for the type checker only (DRF's metaclass moves it).
    source = serializers.CharField()  # type: ignore[assignment]


class LastfmListenSerializer(SpotifyListenSerializer):
    artist_lastfm_url = serializers.CharField(allow_null=True)
    track_mbid = serializers.CharField(allow_null=True)
    artist_mbid = serializers.CharField(allow_null=True)
    album_mbid = serializers.CharField(allow_null=True)
    loved = serializers.BooleanField()
    streamable = serializers.BooleanField()
    album_thumbnails = serializers.SerializerMethodField()

    def get_album_thumbnails(self, row) -> dict[str, str | None]:
        return {size: getattr(row, f"album_thumbnail_{size}") for size in THUMBNAIL_SIZES}


class StoredListenSerializer(ReadRowsSerializer):
    """A stored listen; the history view hands it `.values()` rows of exactly these fields."""

    class Meta:
        model = Listen
        fields = (
            "id",
            "title",
            "artist",
            "album",
            "played_at",
            "album_thumbnail",
            "track_url",
            "artists_url",
            "duration_ms",
            "source",
            "artist_lastfm_url",
            "track_mbid",
            "artist_mbid",
            "album_mbid",
            "loved",
            "streamable",
            "album_thumbnail_small",
            "album_thumbnail_medium",
            "album_thumbnail_large",
            "album_thumbnail_extralarge",
        )
        read_only_fields = fields


class SpotifyFetchResponseSerializer(serializers.Serializer):
    message = serializers.CharField()
    # The seed's `data` key; it shadows Serializer.data for the type checker only (a schema shape).
    data = SpotifyListenSerializer(many=True)  # type: ignore[assignment]


class LastfmFetchResponseSerializer(serializers.Serializer):
    message = serializers.CharField()
    data = LastfmListenSerializer(many=True)  # type: ignore[assignment]  # as above
    count = serializers.IntegerField()


class LastfmFetchQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        required=False,
        default=50,
        min_value=1,
        max_value=200,
        error_messages={
            "invalid": "limit must be a whole number from 1 to 200.",
            "min_value": "limit must be a whole number from 1 to 200.",
            "max_value": "limit must be a whole number from 1 to 200.",
        },
    )


class SyncStartSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=["spotify", "lastfm"])  # type: ignore[assignment]  # Field.source
    kind = serializers.ChoiceField(choices=SyncJob.Kind.choices, default=SyncJob.Kind.SYNC)


class SyncJobSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField(help_text="Percent of pages done, when the total is known.")

    class Meta:
        model = SyncJob
        fields = (
            "id",
            "source",
            "kind",
            "status",
            "pages_done",
            "pages_total",
            "progress",
            "imported",
            "last_error",
            "error_code",
            "retry_at",
            "created_at",
            "updated_at",
            "finished_at",
        )
        read_only_fields = fields

    def get_progress(self, job: SyncJob) -> int | None:
        if job.status == SyncJob.Status.DONE:
            return 100
        if not job.pages_total:
            return None
        return min(100, round(100 * job.pages_done / job.pages_total))


class ImportStartSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A ZIP as the service sent it, or one export file (JSON, JSONL or CSV).", use_url=False
    )
    dry_run = serializers.BooleanField(
        default=False, help_text="Read everything, store nothing: see the counts."
    )


class ImportJobSerializer(serializers.ModelSerializer):
    progress = serializers.IntegerField(read_only=True, help_text="Percent of the file's bytes read.")
    skipped = serializers.DictField(
        child=serializers.IntegerField(), read_only=True, help_text="Rows left out, by reason."
    )
    # Named as the job's column; DRF's metaclass moves declared fields off the class, so
    # Serializer.errors stays what it is (the type checker sees only the name).
    errors = serializers.ListField(  # type: ignore[assignment]
        child=serializers.DictField(),
        read_only=True,
        help_text="The first 20 bad rows: file, where, message.",
    )

    class Meta:
        model = ImportJob
        fields = (
            "id",
            "status",
            "format",
            "file_name",
            "dry_run",
            "bytes_total",
            "bytes_read",
            "rows_read",
            "progress",
            "imported",
            "duplicates",
            "skipped",
            "bad_rows",
            "errors",
            "error_code",
            "last_error",
            "members",
            "created_at",
            "updated_at",
            "finished_at",
        )
        read_only_fields = fields


class ExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=["listenbrainz", "csv"], default="listenbrainz")
