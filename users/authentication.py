from typing import cast

from rest_framework import authentication as drf_authentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.tokens import Token

from core.error_codes import ErrorCode
from users import selectors
from users.models import ApiToken, User
from users.tokens import jwt_matches_password


class JWTAuthentication(authentication.JWTAuthentication):
    """`Authorization: Bearer <access JWT>`; a bad or expired one answers 401 "Invalid token.", and so
    does one issued before the user's password last changed."""

    def authenticate(self, request: Request):
        try:
            return super().authenticate(request)
        except InvalidToken as exc:
            raise AuthenticationFailed("Invalid token.", code=ErrorCode.TOKEN_NOT_VALID) from exc

    def get_user(self, validated_token: Token) -> User:  # type: ignore[override]
        user = cast(User, super().get_user(validated_token))  # AUTH_USER_MODEL
        if not jwt_matches_password(validated_token, user):
            raise AuthenticationFailed("Invalid token.", code=ErrorCode.TOKEN_NOT_VALID)
        return user


class ApiTokenAuthentication(drf_authentication.TokenAuthentication):
    """`Authorization: Token <key>`, in place of DRF's: the key is looked up by its SHA-256, so the
    database never holds a key that could be replayed (users.models.ApiToken)."""

    def authenticate_credentials(self, key: str) -> tuple[User, ApiToken]:
        token = selectors.api_token_for_key(key=key)
        if token is None:  # unknown, revoked, or its user is inactive: DRF's own answer
            raise AuthenticationFailed("Invalid token.")
        return token.user, token
