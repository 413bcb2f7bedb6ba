"""Creates (or resets) the demo account that `make run` prints, for a development checkout."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from users import services, vault
from users.models import User, UserApiKey
from users.time_zones import time_zone_is_known, time_zone_unknown_message

DEMO_EMAIL = "demo@musichub.local"
DEMO_PASSWORD = "musichub-demo"  # noqa: S105 - a development-only account, refused when DEBUG is off
DEMO_TIME_ZONE = "Europe/Paris"  # a zone with daylight saving time: the stats show a real offset


class Command(BaseCommand):
    help = "Create or reset the demo admin account (development only) and print its login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default=DEMO_EMAIL)
        parser.add_argument("--password", default=DEMO_PASSWORD)
        parser.add_argument("--force", action="store_true", help="Allow it with DEBUG off.")
        parser.add_argument("--lastfm-key", default="", help="Store this Last.fm key for the demo account.")
        parser.add_argument("--lastfm-user", default="", help="…with this Last.fm username.")
        parser.add_argument(
            "--time-zone", default=DEMO_TIME_ZONE, help="The zone its stats count days in (IANA name)."
        )

    def handle(
        self,
        *args,
        email: str,
        password: str,
        force: bool,
        lastfm_key: str,
        lastfm_user: str,
        time_zone: str,
        **options,
    ) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("The demo account has a known password: run this with DEBUG=true only.")
        if not time_zone_is_known(time_zone):
            raise CommandError(f"--time-zone: {time_zone_unknown_message(time_zone)}")
        user, created = User.objects.get_or_create(
            email=email.lower(), defaults={"full_name": "Demo Listener"}
        )
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        user.mark_email_verified()  # signs in even with ACCOUNT_EMAIL_VERIFICATION=mandatory
        services.user_time_zone_set(user=user, time_zone=time_zone)
        if lastfm_key and lastfm_user:
            UserApiKey.objects.filter(user=user, service_name="lastfm").delete()
            vault.api_key_create(
                user=user, service_name="lastfm", api_key=lastfm_key, service_user_id=lastfm_user
            )
            self.stdout.write(
                f"Its Last.fm ({lastfm_user}) is connected; the history syncs in the background."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{'Created' if created else 'Reset'} the demo account. Sign in with:\n"
                f"    email:    {user.email}\n    password: {password}\n    time zone: {user.time_zone}"
            )
        )
