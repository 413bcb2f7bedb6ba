import pytest
from django.urls import path
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import AppError, NotFound, RateLimited, UpstreamUnavailable

pytestmark = pytest.mark.django_db


class Boom(APIView):
    permission_classes = [AllowAny]
    error: Exception

    def get(self, request):
        raise self.error


class ValidatingView(APIView):
    permission_classes = [AllowAny]

    class Input(serializers.Serializer):
        name = serializers.CharField()

    def post(self, request):
        self.Input(data=request.data).is_valid(raise_exception=True)
        return Response({})


urlpatterns = [
    path("api/boom/", Boom.as_view(), name="boom"),
    path("api/validate/", ValidatingView.as_view()),
]


@pytest.fixture
def raising(settings):
    settings.ROOT_URLCONF = __name__

    def configure(error: Exception):
        Boom.error = error

    return configure


def test_app_error_renders_detail_and_code(api_client, raising):
    raising(NotFound("Room not found", code="room_not_found"))

    response = api_client.get("/api/boom/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Room not found", "code": "room_not_found"}


def test_app_error_naming_a_field_renders_like_a_validation_error(api_client, raising):
    raising(AppError("Service name is required", field="service_name", code="required"))

    response = api_client.get("/api/boom/")

    assert response.status_code == 400
    assert response.json() == {"service_name": ["Service name is required"], "code": "required"}


def test_rate_limited_sets_retry_after(api_client, raising):
    raising(RateLimited("Spotify is rate limiting us.", retry_after=30))

    response = api_client.get("/api/boom/")

    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert response.json()["code"] == "rate_limited"


def test_upstream_failure_is_a_502(api_client, raising):
    raising(UpstreamUnavailable())

    assert api_client.get("/api/boom/").status_code == 502


def test_validation_errors_name_the_field_and_add_a_code(api_client, settings):
    settings.ROOT_URLCONF = __name__

    response = api_client.post("/api/validate/", {}, format="json")

    assert response.status_code == 400
    assert response.json() == {"name": ["This field is required."], "code": "invalid"}


def test_unexpected_errors_are_a_json_500_and_logged(api_client, raising, caplog):
    raising(ZeroDivisionError("secret internals"))

    response = api_client.get("/api/boom/")

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error.", "code": "server_error"}
    assert "secret internals" not in response.content.decode()
    assert any("Unhandled error" in record.message for record in caplog.records)
