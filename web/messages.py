"""Messages: my conversations, one conversation (oldest first) with a send form, and people to write to.

New messages arrive live through `/ws/messages/` (`messaging.consumers`), which `messages.js` reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import Case, Count, F, IntegerField, Max, Q, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from core.errors import AppError
from messaging import selectors, services
from messaging.models import MAX_MESSAGE_LENGTH, Message
from users import selectors as user_selectors
from users.models import User

PEOPLE_SHOWN = 30
CONVERSATION_SHOWN = 200


@dataclass(frozen=True)
class ConversationRow:
    other: User
    last: Message
    unread: int


def _conversations(user: User) -> list[ConversationRow]:
    """The people `user` has messages with, the latest conversation first (three queries in all)."""
    per_person = (
        selectors.message_list_for(user=user)
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
    last_messages = selectors.message_list_for(user=user).filter(pk__in=rows)
    result = []
    for message in last_messages:
        other = message.receiver if message.sender_id == user.id else message.sender
        result.append(ConversationRow(other=other, last=message, unread=rows[message.id]["unread"]))
    return result


def _people(user: User, q: str):
    people = user_selectors.user_list_others(user=user)
    if q:
        people = people.filter(full_name__icontains=q)
    return people.only("id", "full_name", "image")[:PEOPLE_SHOWN]


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    to = request.GET.get("to", "")
    if to.isdigit():
        return redirect("web:conversation", user_id=int(to))
    q = request.GET.get("q", "").strip()
    context = {
        "conversations": _conversations(request.user),
        "people": _people(request.user, q),
        "q": q,
        "section": "messages",
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "people":
        return render(request, "web/partials/message_people.html", context)
    return render(request, "web/messages.html", context)


@login_required
def conversation(request: HttpRequest, user_id: int) -> HttpResponse:
    other = selectors.conversation_partner(user=request.user, other_id=user_id)
    if other is None or other.pk == request.user.pk:
        raise Http404("No such person.")
    error = ""
    if request.method == "POST":
        try:
            message = services.message_send(
                sender=request.user, receiver_id=other.pk, content=request.POST.get("content", "")
            )
        except AppError as exc:
            error = exc.message
            if request.headers.get("HX-Request"):
                response = render(request, "web/partials/message_error.html", {"error": error})
                response["HX-Retarget"] = "#message-error"
                response["HX-Reswap"] = "innerHTML"
                return response
        else:
            if request.headers.get("HX-Request"):
                return render(request, "web/partials/message_item.html", {"message": message})
            return redirect("web:conversation", user_id=other.pk)
    services.conversation_mark_read(reader=request.user, other_id=other.pk)
    thread = selectors.conversation(user=request.user, other=other)
    total = thread.count()
    shown = list(thread[max(total - CONVERSATION_SHOWN, 0) :])
    context = {
        "other": other,
        "thread": shown,
        "earlier": total - len(shown),
        "error": error,
        "max_length": MAX_MESSAGE_LENGTH,
        "section": "messages",
    }
    return render(request, "web/conversation.html", context, status=400 if error else 200)


urlpatterns = [
    path("messages", inbox, name="messages"),
    path("messages/<int:user_id>", conversation, name="conversation"),
]
