"""Seed 003: direct messages between users."""

from django.conf import settings
from django.db import models
from django.utils import timezone

MAX_MESSAGE_LENGTH = 5000


class Message(models.Model):
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_messages"
    )
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="received_messages"
    )
    content = models.TextField(max_length=MAX_MESSAGE_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["sender", "receiver", "created_at"], name="message_pair_time"),
            models.Index(fields=["receiver", "read_at"], name="message_unread"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(sender=models.F("receiver")), name="message_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} from {self.sender_id} to {self.receiver_id}"

    def mark_read(self) -> None:
        if self.read_at is None:
            self.read_at = timezone.now()
