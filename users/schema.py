"""OpenAPI description of our JWT authentication (imported when the app is ready)."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class JWTScheme(SimpleJWTScheme):
    target_class = "users.authentication.JWTAuthentication"
    name = "jwtAuth"
