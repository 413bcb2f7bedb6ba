"""Seed 000's `Platform` (a streaming service and its credential) and seed 003's catalog:
albums, songs with their audio files, and plays (for trending)."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from core.models import TimeStampedModel
from core.platforms import PLATFORM_CHOICES


class Platform(models.Model):
    PLATFORM_CHOICES = PLATFORM_CHOICES  # the seed's class attribute, from the one registry

    name = models.CharField(max_length=50, choices=PLATFORM_CHOICES)
    link = models.URLField()

    # Generic foreign key to any music platform credential
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True)
    object_id = models.PositiveIntegerField(null=True, blank=True)
    credential = GenericForeignKey("content_type", "object_id")

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return self.get_name_display()


def _generated_name(folder: str, filename: str) -> str:
    """`<folder>/<random>.<ext>`: the client's file name is never used (the extension is set by the
    upload service from the file's real format)."""
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"{folder}/{uuid.uuid4().hex}{suffix}"


def song_audio_path(instance: Song, filename: str) -> str:
    return _generated_name("songs", filename)


def song_image_path(instance: Song, filename: str) -> str:
    return _generated_name("song_images", filename)


def album_image_path(instance: Album, filename: str) -> str:
    return _generated_name("album_images", filename)


class Album(TimeStampedModel):
    title = models.CharField(max_length=200)
    artist = models.CharField(max_length=200)
    image = models.ImageField(upload_to=album_image_path, blank=True)
    release_year = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["artist"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.artist})"


class Song(TimeStampedModel):
    title = models.CharField(max_length=200)
    artist = models.CharField(max_length=200)
    image = models.ImageField(upload_to=song_image_path, blank=True)
    audio_file = models.FileField(upload_to=song_audio_path)
    audio_content_type = models.CharField(max_length=50, blank=True, help_text="Detected from the content.")
    audio_size = models.PositiveBigIntegerField(default=0)
    duration = models.PositiveIntegerField(default=0, help_text="Seconds.")
    album = models.ForeignKey(Album, null=True, blank=True, on_delete=models.CASCADE, related_name="songs")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["artist"]), models.Index(fields=["title"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.artist})"


class SongPlay(models.Model):
    """One listen of a catalog song (counted once per listen, not per range request): trending."""

    song = models.ForeignKey(Song, on_delete=models.CASCADE, related_name="plays")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    played_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["played_at", "song"], name="songplay_recent"),
            models.Index(fields=["user", "-played_at"], name="songplay_user_recent"),
        ]

    def __str__(self) -> str:
        return f"Play of song {self.song_id} at {self.played_at:%Y-%m-%d %H:%M}"
