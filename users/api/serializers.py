from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from dj_rest_auth.registration.serializers import RegisterSerializer as BaseRegisterSerializer
from dj_rest_auth.serializers import LoginSerializer as BaseLoginSerializer
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import UntypedToken

from users.models import User
from users.time_zones import TIME_ZONE_MAX_LENGTH, time_zone_is_known, time_zone_unknown_message
from users.tokens import RefreshToken, jwt_matches_password

DUPLICATE_EMAIL = "A user is already registered with this e-mail address."


class MeSerializer(serializers.ModelSerializer):
    """The signed-in user's own account (the only shape that carries an email)."""

    is_admin = serializers.BooleanField(read_only=True)
    time_zone = serializers.CharField(
        read_only=True,
        help_text="The IANA zone the user's stats and history count days in, e.g. Europe/Paris; "
        '"" while none is chosen (UTC until the first page load stores the browser\'s zone).',
    )

    class Meta:
        model = User
        fields = ("id", "email", "full_name", "image", "is_admin", "date_joined", "time_zone")
        read_only_fields = fields


class MeUpdateSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    image = serializers.FileField(required=False, allow_empty_file=False)
    remove_image = serializers.BooleanField(required=False, default=False)
    time_zone = serializers.CharField(
        max_length=TIME_ZONE_MAX_LENGTH,
        required=False,
        help_text="An IANA time zone name (Europe/Paris, America/New_York, UTC): stats and history "
        "count days in it.",
    )

    def validate_time_zone(self, value: str) -> str:
        if not time_zone_is_known(value):
            raise serializers.ValidationError(time_zone_unknown_message(value))
        return value


class PublicUserSerializer(serializers.ModelSerializer):
    """Another user, as everyone may see them: no email, nothing private."""

    class Meta:
        model = User
        fields = ("id", "full_name", "image")
        read_only_fields = fields


class AuthCredentialsSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="DRF token: send as `Authorization: Token <key>`.")
    access = serializers.CharField(help_text="Access JWT: send as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="Refresh JWT, for /api/auth/token/refresh/.")
    user = MeSerializer()


class LoginSerializer(BaseLoginSerializer):
    username = None
    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"}, write_only=True, trim_whitespace=False)


class RegisterSerializer(BaseRegisterSerializer):
    username = None
    email = serializers.EmailField()
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    password1 = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )
    password2 = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )

    def validate_email(self, email: str) -> str:
        email = get_adapter().clean_email(email).strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise serializers.ValidationError(DUPLICATE_EMAIL)
        return email

    def validate_password1(self, password: str) -> str:
        return password  # checked in validate(), where the email and name are known

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["password1"] != data["password2"]:
            raise serializers.ValidationError({"password2": ["The two password fields didn't match."]})
        candidate = User(email=data["email"], full_name=data.get("full_name", ""))
        try:
            validate_password(data["password1"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password1": list(exc.messages)}) from exc
        return data

    def get_cleaned_data(self) -> dict[str, Any]:
        return {**super().get_cleaned_data(), "full_name": self.validated_data.get("full_name", "")}


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField(required=False, help_text="A refresh JWT to blacklist.")


class LogoutResponseSerializer(serializers.Serializer):
    detail = serializers.CharField()


class AdminCheckSerializer(serializers.Serializer):
    admin = serializers.BooleanField()


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class EmailSerializer(serializers.Serializer):
    email = serializers.EmailField()


class PasswordChangeResponseSerializer(serializers.Serializer):
    detail = serializers.CharField()
    key = serializers.CharField(
        required=False,
        help_text="Only when the request was signed with a token or JWT: a new DRF token. Every "
        "credential issued before the change (the one this request used too) no longer works.",
    )
    access = serializers.CharField(required=False, help_text="Likewise: a new access JWT.")
    refresh = serializers.CharField(required=False, help_text="Likewise: a new refresh JWT.")


def _user_of_jwt(token: Any) -> User | None:
    return User.objects.filter(pk=token.get(jwt_settings.USER_ID_CLAIM)).first()


class TokenRefreshSerializer(jwt_serializers.TokenRefreshSerializer):
    """simplejwt's refresh (rotate + blacklist), refusing a refresh JWT issued before the password
    last changed: simplejwt checks its revoke claim on access JWTs only, never here."""

    token_class = RefreshToken

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        refresh = self.token_class(attrs["refresh"])  # a TokenError is the view's 401
        user = _user_of_jwt(refresh)
        if user is None or not jwt_matches_password(refresh, user):
            raise TokenError("Token is invalid")
        return super().validate(attrs)


class TokenVerifySerializer(jwt_serializers.TokenVerifySerializer):
    """Valid means usable: a JWT issued before the password last changed is not."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        super().validate(attrs)
        token = UntypedToken(attrs["token"])
        user = _user_of_jwt(token)
        if user is None or not jwt_matches_password(token, user):
            raise TokenError("Token is invalid")
        return {}
