from rest_framework import serializers

from users.models import UserApiKey
from users.vault_registry import VaultService

SERVICE_NAME_REQUIRED = "Service name is required"
API_KEY_REQUIRED = "API key is required"


class ApiKeySerializer(serializers.ModelSerializer):
    """Seed 004's shape, plus when the key was last checked. Never the key."""

    class Meta:
        model = UserApiKey
        fields = (
            "id",
            "service_name",
            "service_user_id",
            "created_at",
            "updated_at",
            "last_verified_at",
            "last_error",
        )
        read_only_fields = fields


class ApiKeyWriteSerializer(serializers.Serializer):
    service_name = serializers.CharField(
        max_length=50,
        error_messages={
            "required": SERVICE_NAME_REQUIRED,
            "blank": SERVICE_NAME_REQUIRED,
            "null": SERVICE_NAME_REQUIRED,
        },
    )
    api_key = serializers.CharField(
        max_length=8192,
        write_only=True,
        error_messages={"required": API_KEY_REQUIRED, "blank": API_KEY_REQUIRED, "null": API_KEY_REQUIRED},
    )
    service_user_id = serializers.CharField(max_length=100, required=False, allow_null=True, allow_blank=True)

    def validate_service_user_id(self, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class ApiKeyVerifySerializer(serializers.Serializer):
    service_name = serializers.CharField(
        max_length=50,
        error_messages={"required": SERVICE_NAME_REQUIRED, "blank": SERVICE_NAME_REQUIRED},
    )
    live = serializers.BooleanField(required=False, default=False, help_text="Ask the service itself.")


class ApiKeyVerifyResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["valid", "invalid", "unknown"])
    service_name = serializers.CharField(required=False)
    checked_at = serializers.DateTimeField(required=False, allow_null=True)
    message = serializers.CharField(required=False)


class VaultServiceSerializer(serializers.Serializer):
    name = serializers.CharField()
    display_name = serializers.CharField()
    category = serializers.CharField()
    key_label = serializers.CharField()
    service_user_id_label = serializers.CharField(allow_null=True)
    live_check = serializers.SerializerMethodField()

    def get_live_check(self, service: VaultService) -> bool:
        return service.check is not None


class ConnectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    service_name = serializers.CharField()
    display_name = serializers.CharField()
    state = serializers.ChoiceField(choices=["connected", "expired", "needs_reconnect"])
    # A field named `source` shadows Field.source for the type checker only (DRF's metaclass moves it).
    source = serializers.ChoiceField(choices=["oauth", "key"])  # type: ignore[assignment]
    service_user_id = serializers.CharField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    needs_reconnect = serializers.BooleanField()
    last_error = serializers.CharField(allow_blank=True)
    last_verified_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
