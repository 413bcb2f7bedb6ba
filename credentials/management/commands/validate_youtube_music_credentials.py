"""Seed 000: `manage.py validate_youtube_music_credentials --active-only | --all | --id N`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from credentials.management.commands.validate_credentials import report
from credentials.models import YouTubeMusicCredential


class Command(BaseCommand):
    help = "Validate YouTube Music credentials with a test search on the YouTube Data API."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--active-only", action="store_true", help="The active credential (the default).")
        which.add_argument("--all", action="store_true", help="Every credential.")
        which.add_argument("--id", type=int, help="One credential, by id.")

    def handle(self, *args, active_only: bool, all: bool, id: int | None, **options) -> None:
        queryset = YouTubeMusicCredential.objects.order_by("pk")
        if id is not None:
            credentials = list(queryset.filter(pk=id))
            if not credentials:
                raise CommandError(f"No YouTube Music credential with id {id}.")
        elif all:
            credentials = list(queryset)
        else:
            credentials = list(queryset.filter(is_active=True))
        if not credentials:
            self.stdout.write("No YouTube Music credentials to validate.")
            return
        if report(self, credentials):
            raise CommandError("Some YouTube Music credentials are invalid.", returncode=1)
