"""`/users/listenbrainz-token/`: make (or remake), show the state of, and revoke your ListenBrainz token,
and choose whether your listens are readable without it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.authenticated import AuthenticatedRequest
from core.errors import NotFound
from scrobbling import services
from scrobbling.api.serializers import ListenBrainzTokenStateSerializer, ScrobbleSettingsSerializer
from scrobbling.selectors import token_setup
from users.services import user_name_set


class ListenBrainzTokenView(APIView):
    """GET the state; POST makes a new token (the old one stops working) and shows it once; DELETE
    revokes it; PATCH `{"public_listens": true}` lets anyone read your listens through the API, and
    `{"user_name": "…"}` changes your public name."""

    error_statuses = {"DELETE": (404,)}  # no token to revoke

    @extend_schema(responses=ListenBrainzTokenStateSerializer)
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(
            ListenBrainzTokenStateSerializer(
                token_setup(user=request.user, base_url=request.build_absolute_uri("/"))
            ).data
        )

    @extend_schema(request=None, responses={201: ListenBrainzTokenStateSerializer})
    def post(self, request: AuthenticatedRequest) -> Response:
        token = services.listenbrainz_token_issue(user=request.user)
        data = ListenBrainzTokenStateSerializer(
            token_setup(user=request.user, base_url=request.build_absolute_uri("/"), token=token)
        ).data
        response = Response(data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(request=ScrobbleSettingsSerializer, responses=ListenBrainzTokenStateSerializer)
    def patch(self, request: AuthenticatedRequest) -> Response:
        serializer = ScrobbleSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = serializer.validated_data
        if "user_name" in changes:
            user_name_set(user=request.user, user_name=changes["user_name"])
        if "public_listens" in changes:
            services.scrobble_settings_update(user=request.user, public_listens=changes["public_listens"])
        return Response(
            ListenBrainzTokenStateSerializer(
                token_setup(user=request.user, base_url=request.build_absolute_uri("/"))
            ).data
        )

    @extend_schema(responses={204: None})
    def delete(self, request: AuthenticatedRequest) -> Response:
        if not services.listenbrainz_token_revoke(user=request.user):
            raise NotFound("You have no ListenBrainz token to revoke.")
        return Response(status=status.HTTP_204_NO_CONTENT)
