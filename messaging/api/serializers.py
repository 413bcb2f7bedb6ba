from __future__ import annotations

from rest_framework import serializers

from messaging.models import Message
from users.api.serializers import PublicUserSerializer


class MessageSerializer(serializers.ModelSerializer):
    sender = PublicUserSerializer(read_only=True)
    receiver = PublicUserSerializer(read_only=True)

    class Meta:
        model = Message
        fields = ("id", "sender", "receiver", "content", "created_at", "read_at")
        read_only_fields = fields


class MessageCreateSerializer(serializers.Serializer):
    """Shape only: emptiness, length and who may receive are the service's rules."""

    receiver = serializers.IntegerField(help_text="The id of the user to write to.")
    content = serializers.CharField(
        allow_blank=True, trim_whitespace=False, help_text="1 to 5000 characters."
    )


class MessageListQuerySerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["with"] = serializers.IntegerField(required=False, min_value=1)  # a keyword in Python
        return fields


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(help_text="Messages received and not read yet.")


class ConversationReadSerializer(serializers.Serializer):
    marked_read = serializers.IntegerField(help_text="How many messages this call marked read.")
    unread = serializers.IntegerField(help_text="Messages still unread, from anyone.")
