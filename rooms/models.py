"""Seed 002: a host's Spotify, shared in a room that guests join by code."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
CODE_LENGTH = 8


def new_room_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class Room(TimeStampedModel):
    code = models.CharField(max_length=CODE_LENGTH, unique=True, default=new_room_code)
    host = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hosted_room"
    )
    guest_can_pause = models.BooleanField(default=False)
    votes_to_skip = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    # The song the room last saw playing on the host's Spotify (votes belong to it).
    song_id = models.CharField(max_length=64, blank=True)
    song_title = models.CharField(max_length=255, blank=True)
    song_artist = models.CharField(max_length=255, blank=True)
    song_album = models.CharField(max_length=255, blank=True)
    song_album_art = models.URLField(max_length=500, blank=True)
    song_duration_ms = models.PositiveIntegerField(default=0)
    song_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(votes_to_skip__gte=1), name="room_votes_to_skip_positive"),
        ]

    def __str__(self) -> str:
        return f"Room {self.code}"


class Member(models.Model):
    """Someone in a room: a signed-in user, or an anonymous guest known by their session."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    session_key = models.CharField(max_length=40, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            # one room at a time, for a user and for a session
            models.UniqueConstraint(
                fields=["user"], condition=Q(user__isnull=False), name="member_one_room_per_user"
            ),
            models.UniqueConstraint(
                fields=["session_key"], condition=~Q(session_key=""), name="member_one_room_per_session"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(session_key=""), name="member_identified"
            ),
        ]

    def __str__(self) -> str:
        return f"Member {self.pk} of room {self.room_id}"


class Vote(models.Model):
    """A member's vote to skip one song; cleared when the song changes."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="votes")
    song_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "member", "song_id"], name="vote_once_per_song"),
        ]

    def __str__(self) -> str:
        return f"Vote of member {self.member_id} to skip {self.song_id}"
