from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken


class JWTAuthentication(authentication.JWTAuthentication):
    """`Authorization: Bearer <access JWT>`; a bad or expired one answers 401 "Invalid token."."""

    def authenticate(self, request: Request):  # type: ignore[override]
        try:
            return super().authenticate(request)
        except InvalidToken as exc:
            raise AuthenticationFailed("Invalid token.", code="token_not_valid") from exc
