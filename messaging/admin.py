"""Messages for moderation: read, search, filter and delete; never written on a user's behalf."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator

from messaging.models import Message


class ReadFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("read", "Read"), ("unread", "Unread")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Message]) -> QuerySet[Message]:
        if self.value() == "read":
            return queryset.filter(read_at__isnull=False)
        if self.value() == "unread":
            return queryset.filter(read_at__isnull=True)
        return queryset


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("id", "sender", "receiver", "excerpt", "created_at", "read_at")
    list_select_related = ("sender", "receiver")
    list_filter = (ReadFilter, "created_at")
    search_fields = ("content", "sender__email", "receiver__email")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    fields = ("sender", "receiver", "content", "created_at", "read_at")
    readonly_fields = fields

    @admin.display(description="content")
    def excerpt(self, message: Message) -> str:
        return Truncator(message.content).chars(80)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False
