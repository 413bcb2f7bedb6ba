from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = "Users"

    def ready(self) -> None:
        from users import (
            schema,  # noqa: F401  (registers the OpenAPI auth extension)
            throttle,  # noqa: F401  (counts failed sign-ins per account)
            tokens,  # noqa: F401  (keeps refresh JWT text out of the database)
        )
