"""`manage.py validate_credentials [--platform P] [--all]`: check every platform's credentials.

Prints a ✅/❌ line per credential (⚠️ when the platform could not answer: not counted as invalid);
exits with status 1 when any is invalid. In the demo, `make manage CMD=validate_credentials` runs it
with the sandbox's settings, as `make run` gives them to the server.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.management.base import BaseCommand, CommandError, CommandParser

from credentials.models import AbstractMusicPlatform
from credentials.services import credential_validate
from credentials.utils import PLATFORM_CREDENTIAL_MODELS


class Command(BaseCommand):
    help = "Validate music platform credentials against each platform's API."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--platform", choices=sorted(PLATFORM_CREDENTIAL_MODELS), help="Only this platform."
        )
        parser.add_argument(
            "--all", action="store_true", help="Inactive credentials too (default: active only)."
        )

    def handle(self, *args, platform: str | None, all: bool, **options) -> None:
        platforms = [platform] if platform else list(PLATFORM_CREDENTIAL_MODELS)
        credentials: list[AbstractMusicPlatform] = []
        for name in platforms:
            queryset = PLATFORM_CREDENTIAL_MODELS[name].objects.order_by("pk")
            credentials.extend(queryset if all else queryset.filter(is_active=True))
        if not credentials:
            self.stdout.write("No credentials to validate.")
            return
        if report(self, credentials):
            raise CommandError("Some credentials are invalid.", returncode=1)


def report(command: BaseCommand, credentials: Sequence[AbstractMusicPlatform]) -> int:
    """Validates each credential, prints a line for it, and returns how many are invalid. One the
    platform could not check (down, rate limited) is neither valid nor invalid: ⚠️, not counted."""
    valid = failed = unchecked = 0
    for credential in credentials:
        result = credential_validate(credential=credential)
        if result.valid:
            valid += 1
            command.stdout.write(f"✅ {credential} (id {credential.pk}): valid")
        elif not result.checked:
            unchecked += 1
            command.stdout.write(f"⚠️ {credential} (id {credential.pk}): {result.error}")
        else:
            failed += 1
            command.stdout.write(f"❌ {credential} (id {credential.pk}): {result.error}")
    summary = f"{valid} valid, {failed} invalid."
    if unchecked:
        summary += f" {unchecked} could not be checked: try again later."
    command.stdout.write(summary)
    return failed
