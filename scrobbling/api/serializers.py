from __future__ import annotations

from rest_framework import serializers


class ListenBrainzTokenStateSerializer(serializers.Serializer):
    """A user's scrobbling setup: never the token itself, except once, in `token`, when it is made."""

    has_token = serializers.BooleanField()
    token = serializers.CharField(required=False, help_text="Only in the answer that made it: shown once.")
    prefix = serializers.CharField(allow_null=True, help_text="The token's first characters.")
    created_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)
    user_name = serializers.CharField(allow_null=True, help_text="What validate-token answers as user_name.")
    public_listens = serializers.BooleanField(help_text="Whether anyone may read your listens via the API.")
    api_root = serializers.CharField(help_text="The ListenBrainz server URL to give your players.")
    api_root_alternative = serializers.CharField(
        help_text="The same API for clients that add /1/ themselves."
    )


class ScrobbleSettingsSerializer(serializers.Serializer):
    public_listens = serializers.BooleanField(required=False)
    user_name = serializers.CharField(
        required=False, max_length=40, help_text="Your public name (what validate-token answers)."
    )
