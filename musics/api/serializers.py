from urllib.parse import urlencode

from rest_framework import serializers
from rest_framework.reverse import reverse

from musics.models import Album, Song
from musics.stream_links import stream_token


class SongSerializer(serializers.ModelSerializer):
    album_title = serializers.CharField(source="album.title", read_only=True, default=None)
    stream_url = serializers.SerializerMethodField(help_text="Plays with HTTP Range (seek).")

    class Meta:
        model = Song
        fields = (
            "id",
            "title",
            "artist",
            "image",
            "duration",
            "album",
            "album_title",
            "stream_url",
            "audio_content_type",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_stream_url(self, song: Song) -> str:
        request = self.context.get("request")
        url = reverse("song-stream", args=[song.pk], request=request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            url += "?" + urlencode({"token": stream_token(song_id=song.pk, user=user)})
        return url


class SongWriteSerializer(serializers.Serializer):
    """Multipart. Title, artist and album are read from the audio's tags when left out."""

    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    artist = serializers.CharField(max_length=200, required=False, allow_blank=True)
    album = serializers.PrimaryKeyRelatedField(queryset=Album.objects.all(), required=False, allow_null=True)
    audio_file = serializers.FileField(required=True, allow_empty_file=False)
    image = serializers.FileField(required=False, allow_empty_file=False)


class AlbumSerializer(serializers.ModelSerializer):
    # Every album queryset (musics.selectors) annotates it: never null.
    song_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Album
        fields: tuple[str, ...] = (
            "id",
            "title",
            "artist",
            "image",
            "release_year",
            "song_count",
            "created_at",
            "updated_at",
        )
        read_only_fields: tuple[str, ...] = fields


class AlbumDetailSerializer(AlbumSerializer):
    songs = SongSerializer(many=True, read_only=True)

    class Meta(AlbumSerializer.Meta):
        fields = (*AlbumSerializer.Meta.fields, "songs")
        read_only_fields = fields


class AlbumWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    artist = serializers.CharField(max_length=200)
    release_year = serializers.IntegerField(min_value=1800, max_value=2100, required=False, allow_null=True)
    image = serializers.FileField(required=False, allow_empty_file=False)


class StatsSerializer(serializers.Serializer):
    total_songs = serializers.IntegerField()
    total_albums = serializers.IntegerField()
    total_users = serializers.IntegerField()
    total_artists = serializers.IntegerField()


class SongPlayedSerializer(serializers.Serializer):
    """A player's report that a play of the song has gone far enough to be a listen."""

    play = serializers.RegexField(
        r"^[A-Za-z0-9_-]{8,64}$",
        help_text="The play id the player put on the stream URL (`?play=`) for this play.",
        error_messages={"invalid": "The play id must be 8 to 64 letters, digits, - or _."},
    )
    position_ms = serializers.IntegerField(
        min_value=0,
        max_value=24 * 60 * 60 * 1000,
        help_text="How much of the song this play has played, in milliseconds (time actually played: "
        "skipping ahead does not count).",
    )


class LibraryListenSerializer(serializers.Serializer):
    song = serializers.IntegerField(source="song_id")
    played_at = serializers.DateTimeField(help_text="When the play started: the listen's time.")
    source = serializers.CharField(default="library")  # type: ignore[assignment]  # Field.source
    new = serializers.BooleanField(help_text="False when this play had been reported before.")
