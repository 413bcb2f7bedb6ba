"""Seed 000's `Platform` (a streaming service and the credential it uses)."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Platform(models.Model):
    PLATFORM_CHOICES = [
        ("spotify", "Spotify"),
        ("youtube_music", "YouTube Music"),
        ("amazon_music", "Amazon Music"),
        ("apple_music", "Apple Music"),
        ("deezer", "Deezer"),
        ("tidal", "Tidal"),
    ]

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
