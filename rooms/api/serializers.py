from rest_framework import serializers


class RoomCreateSerializer(serializers.Serializer):
    guest_can_pause = serializers.BooleanField(default=False)
    votes_to_skip = serializers.IntegerField(min_value=1, max_value=100, default=2)


class RoomUpdateSerializer(serializers.Serializer):
    guest_can_pause = serializers.BooleanField(required=False)
    votes_to_skip = serializers.IntegerField(min_value=1, max_value=100, required=False)


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    is_host = serializers.BooleanField()


class RoomSerializer(serializers.Serializer):
    """Seed 002's room: never the host's session, token or email."""

    code = serializers.CharField()
    guest_can_pause = serializers.BooleanField()
    votes_to_skip = serializers.IntegerField()
    is_host = serializers.BooleanField()
    is_member = serializers.BooleanField()
    members = MemberSerializer(many=True)


class CurrentSongSerializer(serializers.Serializer):
    title = serializers.CharField()
    artist = serializers.CharField()
    album_art = serializers.CharField()
    duration_ms = serializers.IntegerField()
    progress_ms = serializers.IntegerField()
    is_playing = serializers.BooleanField()
    votes = serializers.IntegerField()
    votes_required = serializers.IntegerField()
    id = serializers.CharField()


class SkipSerializer(serializers.Serializer):
    skipped = serializers.BooleanField()
    votes = serializers.IntegerField()
    votes_required = serializers.IntegerField()
