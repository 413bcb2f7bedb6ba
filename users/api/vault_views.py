"""/users/api-keys/…: seed 004's endpoints, every one scoped to the signed-in user."""

from __future__ import annotations

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.authenticated import AuthenticatedRequest
from core.scoping import OwnerScopedMixin
from users import selectors, vault
from users.api.vault_serializers import (
    ApiKeySerializer,
    ApiKeyVerifyResultSerializer,
    ApiKeyVerifySerializer,
    ApiKeyWriteSerializer,
    ConnectionSerializer,
    VaultServiceSerializer,
)
from users.models import UserApiKey
from users.vault_registry import SERVICES

hide_api_key = method_decorator(sensitive_post_parameters("api_key"), name="dispatch")


@hide_api_key
class ApiKeyListCreateView(APIView):
    """Your stored keys (never the keys themselves), and storing a new one."""

    @extend_schema(responses=ApiKeySerializer(many=True))
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(ApiKeySerializer(selectors.api_key_list(user=request.user), many=True).data)

    @extend_schema(request=ApiKeyWriteSerializer, responses={201: ApiKeySerializer})
    def post(self, request: AuthenticatedRequest) -> Response:
        serializer = ApiKeyWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = vault.api_key_create(user=request.user, **serializer.validated_data)
        return Response(ApiKeySerializer(row).data, status=status.HTTP_201_CREATED)


@hide_api_key
class ApiKeyDetailView(OwnerScopedMixin, generics.GenericAPIView):
    """One of your keys; another user's id is a 404."""

    queryset = UserApiKey.objects.all()
    serializer_class = ApiKeySerializer

    def get(self, request: Request, pk: int) -> Response:
        return Response(ApiKeySerializer(self.get_object()).data)

    @extend_schema(request=ApiKeyWriteSerializer, responses=ApiKeySerializer)
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, partial=False)

    @extend_schema(request=ApiKeyWriteSerializer, responses=ApiKeySerializer)
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, partial=True)

    def delete(self, request: Request, pk: int) -> Response:
        vault.api_key_delete(row=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request: Request, *, partial: bool) -> Response:
        row = self.get_object()
        serializer = ApiKeyWriteSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        row = vault.api_key_update(row=row, **serializer.validated_data)
        return Response(ApiKeySerializer(row).data)


class ApiKeyVerifyView(APIView):
    """Seed 004: `{"status": "valid"}` when a key is stored; `"live": true` asks the service."""

    @extend_schema(
        request=ApiKeyVerifySerializer,
        responses={200: ApiKeyVerifyResultSerializer, 404: OpenApiResponse(description="No key stored")},
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        serializer = ApiKeyVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = vault.api_key_verify(user=request.user, **serializer.validated_data)
        if not serializer.validated_data["live"]:  # seed 004's answer; why, when it is not "valid"
            return Response(
                {"status": result.status, **({"message": result.message} if result.message else {})}
            )
        return Response(
            {
                "status": result.status,
                "service_name": result.service_name,
                "checked_at": serializers.DateTimeField().to_representation(result.checked_at)
                if result.checked_at
                else None,
                "message": result.message,
            }
        )


class ApiKeyServicesView(APIView):
    """Seed 004: the names of the services you have stored keys for."""

    @extend_schema(responses=serializers.ListSerializer(child=serializers.CharField()))
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(selectors.api_key_service_names(user=request.user))


class SupportedServicesView(APIView):
    """Every service the vault knows, with what it needs."""

    @extend_schema(responses=VaultServiceSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(VaultServiceSerializer(SERVICES.values(), many=True).data)


class ConnectionsView(APIView):
    """Each connected service and its state: connected, expires at, needs reconnect, last error."""

    @extend_schema(responses=ConnectionSerializer(many=True))
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(ConnectionSerializer(selectors.connection_list(user=request.user), many=True).data)
