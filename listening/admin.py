"""Seed 001's admin: read-only listens with every image size, filters and MBID search."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from listening.models import Listen, SyncJob
from listening.store import listens_delete

SIZES = (
    "album_thumbnail_small",
    "album_thumbnail_medium",
    "album_thumbnail_large",
    "album_thumbnail_extralarge",
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows come from the providers: no manual creation or editing."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Listen)
class ListenAdmin(ReadOnlyAdmin):
    list_display = ("thumbnail", "title", "artist", "album", "source", "played_at", "loved", "user")
    list_filter = ("source", "loved", "streamable")
    search_fields = ("title", "artist", "album", "track_mbid", "artist_mbid", "album_mbid")
    date_hierarchy = "played_at"
    list_select_related = ("user",)
    readonly_fields = ("thumbnails",)
    show_full_result_count = False

    def delete_model(self, request: HttpRequest, obj: Listen) -> None:
        listens_delete(user_id=obj.user_id, ids=[obj.pk])  # counted out of the user's stats too

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        by_user: dict[int, list[int]] = {}
        for user_id, listen_id in queryset.values_list("user_id", "id"):
            by_user.setdefault(user_id, []).append(listen_id)
        for user_id, ids in by_user.items():
            listens_delete(user_id=user_id, ids=ids)

    @admin.display(description="Art")
    def thumbnail(self, listen: Listen) -> str:
        url = listen.album_thumbnail_small or listen.album_thumbnail
        return format_html('<img src="{}" width="34" height="34" alt="" loading="lazy">', url) if url else ""

    @admin.display(description="All image sizes")
    def thumbnails(self, listen: Listen) -> str:
        images = [(getattr(listen, name), name.rsplit("_", 1)[1]) for name in SIZES if getattr(listen, name)]
        if listen.album_thumbnail and not images:
            images = [(listen.album_thumbnail, "main")]
        if not images:
            return "No artwork"
        cells = format_html_join(
            "",
            '<figure style="display:inline-block;margin:0 8px;text-align:center"><img src="{}" alt="" '
            'style="max-width:150px"><figcaption>{}</figcaption></figure>',
            images,
        )
        return format_html('<div style="display:flex;align-items:flex-end">{}</div>', cells)


@admin.register(SyncJob)
class SyncJobAdmin(ReadOnlyAdmin):
    list_display = ("user", "source", "kind", "status", "pages_done", "pages_total", "imported", "updated_at")
    list_filter = ("source", "kind", "status")
    search_fields = ("user__email",)
    list_select_related = ("user",)
