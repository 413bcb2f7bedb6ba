"""Reads: every queryset is scoped to the user asking, so anyone else's message is simply absent."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, Exists, F, IntegerField, Max, OuterRef, Q, QuerySet, When

from messaging.models import Message
from users.models import User


def _with_people(queryset: QuerySet[Message]) -> QuerySet[Message]:
    return queryset.select_related("sender", "receiver")


def message_list_for(
    *, user: User, unread: bool = False, with_user_id: int | None = None
) -> QuerySet[Message]:
    """The messages `user` sent or received, newest first.

    `unread`: only the received ones not read yet. `with_user_id`: only those exchanged with that user.
    """
    queryset = Message.objects.filter(Q(sender=user) | Q(receiver=user))
    if unread:
        queryset = queryset.filter(receiver=user, read_at__isnull=True)
    if with_user_id is not None:
        queryset = queryset.filter(Q(sender_id=with_user_id) | Q(receiver_id=with_user_id))
    return _with_people(queryset).order_by("-created_at", "-id")


def message_list_received(*, user: User) -> QuerySet[Message]:
    """The messages sent to `user`: the only ones `user` may mark read."""
    return _with_people(Message.objects.filter(receiver=user))


def message_unread_count(*, user: User) -> int:
    return Message.objects.filter(receiver=user, read_at__isnull=True).count()


def conversation_partner(*, user: User, other_id: int) -> User | None:
    """The user behind `/api/users/{id}/messages/`: an active account, or a deactivated one that
    `user` has messages with (its history stays readable). None otherwise: a 404."""
    shared = Message.objects.filter(
        Q(sender=user, receiver=OuterRef("pk")) | Q(sender=OuterRef("pk"), receiver=user)
    )
    return User.objects.filter(Q(is_active=True) | Exists(shared), pk=other_id).first()


def conversation(*, user: User, other: User) -> QuerySet[Message]:
    """The messages between `user` and `other`, oldest first."""
    queryset = Message.objects.filter(Q(sender=user, receiver=other) | Q(sender=other, receiver=user))
    return _with_people(queryset).order_by("created_at", "id")


@dataclass(frozen=True)
class ConversationSummary:
    other: User
    last: Message
    unread: int


def conversation_list(*, user: User) -> list[ConversationSummary]:
    """The people `user` has messages with, the latest conversation first (three queries in all)."""
    per_person = (
        message_list_for(user=user)
        .order_by()
        .annotate(
            other_id=Case(
                When(sender=user, then=F("receiver_id")), default=F("sender_id"), output_field=IntegerField()
            )
        )
        .values("other_id")
        .annotate(last_id=Max("id"), unread=Count("id", filter=Q(receiver=user, read_at__isnull=True)))
    )
    rows = {row["last_id"]: row for row in per_person}
    summaries = []
    for message in message_list_for(user=user).filter(pk__in=rows):
        other = message.receiver if message.sender_id == user.id else message.sender
        summaries.append(ConversationSummary(other=other, last=message, unread=rows[message.id]["unread"]))
    return summaries


def conversation_latest(*, user: User, other: User, limit: int) -> tuple[list[Message], int]:
    """The last `limit` messages between them, oldest first, and how many earlier ones are not shown."""
    thread = conversation(user=user, other=other)
    total = thread.count()
    shown = list(thread[max(total - limit, 0) :])
    return shown, total - len(shown)
