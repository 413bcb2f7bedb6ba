"""`manage.py verify_email <email>`: an operator vouches for an account's email address."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import AppError
from users import services


class Command(BaseCommand):
    help = (
        "Mark an account's email address as verified (as its confirmation link would). An address "
        "listed in ADMIN_EMAIL makes its account an admin only once verified: run this only when you "
        "know the account belongs to the address's owner."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The account's email address (any case).")

    def handle(self, *args, email: str, **options) -> None:
        try:
            user = services.user_email_verify(email=email)
        except AppError as exc:
            raise CommandError(exc.message) from exc
        admin = " Its account is an admin." if user.is_admin else ""
        self.stdout.write(self.style.SUCCESS(f"{user.email} is verified.{admin}"))
