from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.authenticated import AuthenticatedRequest
from core.errors import NotFound
from core.pagination import CursorPagination
from messaging import selectors, services
from messaging.api.serializers import (
    ConversationReadSerializer,
    MessageCreateSerializer,
    MessageListQuerySerializer,
    MessageSerializer,
    UnreadCountSerializer,
)
from messaging.models import Message
from users.models import User

OTHER_USER = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The other user's id."
)
MESSAGE_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The message's id.")


class ConversationPagination(CursorPagination):
    """Oldest first, as a chat reads; cursors keep a long conversation's later pages cheap."""

    ordering = ("created_at", "id")


class MessageListCreateView(generics.ListCreateAPIView):
    """My messages, sent and received, newest first; or send one (at most MESSAGE_SEND_RATE)."""

    request: AuthenticatedRequest

    serializer_class = MessageSerializer
    throttle_scope = "messages"

    def get_throttles(self):
        return super().get_throttles() if self.request.method == "POST" else []

    def get_queryset(self) -> QuerySet[Message]:
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        query = MessageListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.message_list_for(
            user=self.request.user,
            unread=query.validated_data["unread"],
            with_user_id=query.validated_data.get("with"),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only received messages not read yet."),
            OpenApiParameter(
                "with", OpenApiTypes.INT, description="Only messages exchanged with this user id."
            ),
        ]
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=MessageCreateSerializer, responses={201: MessageSerializer})
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = MessageCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.message_send(
            sender=self.request.user,
            receiver_id=serializer.validated_data["receiver"],
            content=serializer.validated_data["content"],
        )
        return Response(
            MessageSerializer(message, context={"request": request}).data, status.HTTP_201_CREATED
        )


@extend_schema(parameters=[MESSAGE_ID])
class MessageDetailView(generics.RetrieveAPIView):
    """One message I sent or received. Reading it does not mark it read: see `read/`."""

    request: AuthenticatedRequest

    serializer_class = MessageSerializer

    def get_queryset(self) -> QuerySet[Message]:
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        return selectors.message_list_for(user=self.request.user)


class MessageReadView(APIView):
    """Marks a message I received as read (the first read time is kept). Anyone else: 404."""

    @extend_schema(request=None, responses=MessageSerializer, parameters=[MESSAGE_ID])
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        message = get_object_or_404(selectors.message_list_received(user=request.user), pk=pk)
        message = services.message_mark_read(message=message, reader=request.user)
        return Response(MessageSerializer(message, context={"request": request}).data)


class UnreadCountView(APIView):
    """How many messages I received and have not read: for a badge."""

    @extend_schema(responses=UnreadCountSerializer)
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response({"unread": selectors.message_unread_count(user=request.user)})


def _partner(request: AuthenticatedRequest, pk: int) -> User:
    other = selectors.conversation_partner(user=request.user, other_id=pk)
    if other is None:
        raise NotFound()
    return other


@extend_schema(parameters=[OTHER_USER])
class ConversationView(generics.ListAPIView):
    """The messages between me and that user, oldest first, in cursor pages."""

    request: AuthenticatedRequest

    serializer_class = MessageSerializer
    pagination_class = ConversationPagination

    def get_queryset(self) -> QuerySet[Message]:
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        return selectors.conversation(user=self.request.user, other=_partner(self.request, self.kwargs["pk"]))


class ConversationReadView(APIView):
    """Marks every message that user sent me as read."""

    @extend_schema(request=None, responses=ConversationReadSerializer, parameters=[OTHER_USER])
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        other = _partner(request, pk)
        marked = services.conversation_mark_read(reader=request.user, other_id=other.id)
        return Response({"marked_read": marked, "unread": selectors.message_unread_count(user=request.user)})
