"""Scrobbling in the admin: tokens (their first characters and use, never a secret: only a digest is
stored), who reads publicly, and what is playing now. Revoking is deleting the token row."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from scrobbling.models import ListenBrainzToken, PlayingNow, ScrobbleSettings


@admin.register(ListenBrainzToken)
class ListenBrainzTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "created_at", "last_used_at")
    search_fields = ("user__email", "user__user_name", "prefix")
    list_select_related = ("user",)
    exclude = ("digest",)
    readonly_fields = ("user", "prefix", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:  # users make their own, shown once
        return False


@admin.register(ScrobbleSettings)
class ScrobbleSettingsAdmin(admin.ModelAdmin):
    list_display = ("user", "public_listens")
    list_filter = ("public_listens",)
    search_fields = ("user__email", "user__user_name")
    list_select_related = ("user",)


@admin.register(PlayingNow)
class PlayingNowAdmin(admin.ModelAdmin):
    list_display = ("user", "track_name", "artist_name", "client", "started_at", "expires_at")
    list_select_related = ("user",)
    readonly_fields = ("user", "track_metadata", "client", "started_at", "expires_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
