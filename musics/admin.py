"""Seed 003's admin: songs and albums with uploads and previews, plays, platforms, and the stats."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html

from core.errors import AppError
from musics import selectors, services
from musics.models import Album, Platform, Song, SongPlay
from musics.uploads import checked_audio, checked_image


def _preview(image, size: int = 48) -> str:
    if not image:
        return ""
    return format_html(
        '<img src="{}" width="{}" height="{}" style="object-fit:cover" alt="">', image.url, size, size
    )


class SongInline(admin.TabularInline):
    model = Song
    fields = ("title", "artist", "duration")
    readonly_fields = ("duration",)
    extra = 0
    show_change_link = True


@admin.register(Album)
class AlbumAdmin(admin.ModelAdmin):
    list_display = ("cover", "title", "artist", "release_year", "created_at")
    search_fields = ("title", "artist")
    readonly_fields = ("cover_large",)
    fields = ("title", "artist", "release_year", "image", "cover_large")
    inlines = [SongInline]

    @admin.display(description="Cover")
    def cover(self, album: Album) -> str:
        return _preview(album.image)

    @admin.display(description="Preview")
    def cover_large(self, album: Album) -> str:
        return _preview(album.image, 200)

    def delete_model(self, request: HttpRequest, album: Album) -> None:
        services.album_delete(album=album)  # the songs and every file go too

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for album in queryset:
            services.album_delete(album=album)


class SongAdminForm(forms.ModelForm):
    """A refused upload is a form error on its field, as in the API (checked by content, not name)."""

    class Meta:
        model = Song
        fields = ("title", "artist", "album", "audio_file", "image")

    def clean_audio_file(self):
        audio = self.cleaned_data.get("audio_file")
        if audio and "audio_file" in self.changed_data:
            try:
                checked_audio(audio)
            except AppError as exc:
                raise forms.ValidationError(exc.message) from exc
            audio.seek(0)
        return audio

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and "image" in self.changed_data:
            try:
                checked_image(image, field="image")
            except AppError as exc:
                raise forms.ValidationError(exc.message) from exc
            image.seek(0)
        return image


@admin.register(Song)
class SongAdmin(admin.ModelAdmin):
    """Uploads go through the same checks as the API (content, size, generated names, tags)."""

    form = SongAdminForm

    list_display = ("cover", "title", "artist", "album", "duration", "audio_content_type", "created_at")
    list_filter = ("audio_content_type",)
    search_fields = ("title", "artist", "album__title")
    list_select_related = ("album",)
    autocomplete_fields = ("album",)
    fields = (
        "title",
        "artist",
        "album",
        "audio_file",
        "image",
        "cover_large",
        "duration",
        "audio_content_type",
    )
    readonly_fields = ("cover_large", "duration", "audio_content_type")

    @admin.display(description="Cover")
    def cover(self, song: Song) -> str:
        return _preview(song.image)

    @admin.display(description="Preview")
    def cover_large(self, song: Song) -> str:
        player = (
            format_html('<audio controls preload="none" src="{}"></audio>', song.audio_file.url)
            if song.audio_file
            else ""
        )
        return format_html("{}<br>{}", _preview(song.image, 200), player)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change, **kwargs)
        for name in ("title", "artist"):
            if name in form.base_fields:
                form.base_fields[name].required = False
                form.base_fields[name].help_text = "Left empty: read from the audio file's tags."
        return form

    def save_model(self, request: HttpRequest, song: Song, form, change: bool) -> None:
        data = form.cleaned_data
        try:
            if not change:
                created = services.song_create(
                    audio=data["audio_file"],
                    title=data.get("title") or None,
                    artist=data.get("artist") or None,
                    album=data.get("album"),
                    image=data.get("image") or None,
                )
                song.pk = created.pk
                song.refresh_from_db()
                return
            changes = {name: data[name] for name in ("title", "artist", "album") if name in form.changed_data}
            if "audio_file" in form.changed_data and data.get("audio_file"):
                changes["audio"] = data["audio_file"]
            if "image" in form.changed_data and data.get("image"):
                changes["image"] = data["image"]
            services.song_update(song=Song.objects.get(pk=song.pk), **changes)
        except AppError as exc:
            self.message_user(request, f"Not saved: {exc.message}", level="error")
            raise

    def delete_model(self, request: HttpRequest, song: Song) -> None:
        services.song_delete(song=song)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for song in queryset:
            services.song_delete(song=song)


@admin.register(SongPlay)
class SongPlayAdmin(admin.ModelAdmin):
    list_display = ("song", "user", "played_at")
    list_select_related = ("song", "user")
    date_hierarchy = "played_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ("name", "link", "content_type", "object_id")


def stats_view(request: HttpRequest) -> TemplateResponse:
    context = {
        **admin.site.each_context(request),
        "title": "Platform statistics",
        "stats": selectors.platform_stats(),
    }
    return TemplateResponse(request, "admin/musics/stats.html", context)
