"""Messages: my conversations, one conversation (oldest first) with a send form, and people to write to.

New messages arrive live through `/ws/messages/` (`messaging.consumers`), which `messages.js` reads.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from core.authenticated import AuthenticatedHttpRequest
from core.errors import AppError
from messaging import selectors, services
from messaging.models import MAX_MESSAGE_LENGTH
from users import selectors as user_selectors

PEOPLE_SHOWN = 30
CONVERSATION_SHOWN = 200


@login_required
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    to = request.GET.get("to", "")
    if to.isdigit():
        return redirect("web:conversation", user_id=int(to))
    q = request.GET.get("q", "").strip()
    context = {
        "conversations": selectors.conversation_list(user=request.user),
        "people": user_selectors.user_list_others(user=request.user, name_contains=q).only(
            "id", "full_name", "image"
        )[:PEOPLE_SHOWN],
        "q": q,
        "section": "messages",
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "people":
        return render(request, "web/partials/message_people.html", context)
    return render(request, "web/messages.html", context)


@login_required
def conversation(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
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
    shown, earlier = selectors.conversation_latest(user=request.user, other=other, limit=CONVERSATION_SHOWN)
    context = {
        "other": other,
        "thread": shown,
        "earlier": earlier,
        "error": error,
        "max_length": MAX_MESSAGE_LENGTH,
        "section": "messages",
    }
    return render(request, "web/conversation.html", context, status=400 if error else 200)


urlpatterns = [
    path("messages", inbox, name="messages"),
    path("messages/<int:user_id>", conversation, name="conversation"),
]
