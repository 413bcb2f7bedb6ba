"""`manage.py stats_rebuild [--user EMAIL …]`: recount the stats' summary tables from the listens.

The tables follow every write by themselves; this is for an upgrade (users whose tables were never
built), after restoring listens from a backup, or to check that a rebuild changes nothing.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from listening.stats.rebuild import stats_rebuild_user
from users.models import User


class Command(BaseCommand):
    help = "Recounts the stats' summary tables (top lists, days, hours) of every user, or of --user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", action="append", default=[], help="An account's email (repeatable).")

    def handle(self, *args: Any, **options: Any) -> None:
        users = User.objects.order_by("pk")
        if options["user"]:
            users = users.filter(email__in=[User.objects.normalize_email(email) for email in options["user"]])
            missing = set(map(User.objects.normalize_email, options["user"])) - set(
                users.values_list("email", flat=True)
            )
            if missing:
                raise CommandError(f"No account with the email {', '.join(sorted(missing))}.")
        for user in users.iterator():
            started = time.monotonic()
            counted = stats_rebuild_user(user.pk)
            self.stdout.write(
                f"{user.email}: {counted} listens counted in {time.monotonic() - started:.1f} s"
            )
