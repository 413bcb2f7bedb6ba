"""The shapes of /music/stats/…: what the stats selectors return, as JSON."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from listening.stats.params import MAX_HOUR_DAYS
from listening.stats.selectors import BUCKETS, KINDS

MAX_TOP = 100


class TopQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(KINDS), default="artists")
    by = serializers.ChoiceField(choices=["plays", "time"], default="plays")
    limit = serializers.IntegerField(min_value=1, max_value=MAX_TOP, default=10)


class ActivityQuerySerializer(serializers.Serializer):
    bucket = serializers.ChoiceField(
        choices=list(BUCKETS),
        default="day",
        help_text=f"hour (ranges up to {MAX_HOUR_DAYS} days), day, week (ISO, from Monday), month, "
        "weekday (Monday=0), clock (7 x 24 weekday-by-hour).",
    )


class TopItemSerializer(serializers.Serializer):
    name = serializers.CharField()
    artist = serializers.CharField(
        required=False, help_text="A track's or album's artist; absent for artists."
    )
    plays = serializers.IntegerField()
    ms = serializers.IntegerField(
        help_text="Listening time: the tracks' durations added up (0 when unknown)."
    )
    share = serializers.FloatField(
        help_text="The fraction of the range's plays (by=plays) or time (by=time)."
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        artist = instance["artist"] if isinstance(instance, dict) else instance.artist
        if artist is None:
            data.pop("artist", None)
        return data


class RangeSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like DRF's Field.label
    time_zone = serializers.CharField()
    all_time = serializers.BooleanField()
    start = serializers.DateField(allow_null=True, help_text="First local day (null for all time).")
    end = serializers.DateField(allow_null=True, help_text="Last local day, inclusive (null for all time).")


class BucketSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like DRF's Field.label
    plays = serializers.IntegerField()
    ms = serializers.IntegerField()


class ActivitySerializer(serializers.Serializer):
    range = RangeSerializer()
    bucket = serializers.CharField()
    buckets = BucketSerializer(many=True)


class StreakSerializer(serializers.Serializer):
    first = serializers.DateField()
    last = serializers.DateField()
    days = serializers.IntegerField()


class DayCountSerializer(serializers.Serializer):
    day = serializers.DateField()
    plays = serializers.IntegerField()


class SummaryFieldsSerializer(serializers.Serializer):
    plays = serializers.IntegerField()
    ms = serializers.IntegerField()
    artists = serializers.IntegerField()
    tracks = serializers.IntegerField()
    albums = serializers.IntegerField()
    first_play = serializers.DateTimeField(allow_null=True)
    last_play = serializers.DateTimeField(allow_null=True)
    longest_streak = StreakSerializer(allow_null=True)
    current_streak = StreakSerializer(
        allow_null=True, help_text="The run of days with plays ending today (or yesterday), inside the range."
    )
    busiest_day = DayCountSerializer(allow_null=True)
    new_artists = serializers.IntegerField(help_text="Artists whose first play ever falls in the range.")


class SummarySerializer(SummaryFieldsSerializer):
    range = RangeSerializer()


class MonthArtistSerializer(serializers.Serializer):
    month = serializers.CharField()
    name = serializers.CharField(allow_null=True)
    plays = serializers.IntegerField()


class YearReviewSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    time_zone = serializers.CharField()
    summary = SummaryFieldsSerializer()
    top_artists = TopItemSerializer(many=True)
    top_tracks = TopItemSerializer(many=True)
    top_albums = TopItemSerializer(many=True)
    months = BucketSerializer(many=True)
    artist_of_month = MonthArtistSerializer(many=True)
