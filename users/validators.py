"""A password "validator" that validates nothing: Django calls `password_changed()` of every entry in
AUTH_PASSWORD_VALIDATORS after any `set_password()` + `save()`, which makes it the one hook that the
API's change, a reset, the admin's form and `manage.py changepassword` all share."""

from __future__ import annotations

from typing import Any

from users.services import user_credentials_revoke


class OtherCredentialsEnd:
    """Tidies the user's dead credentials away once a new password is saved (users.services)."""

    def validate(self, password: str, user: Any = None) -> None:
        return None

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        user_credentials_revoke(user=user)

    def get_help_text(self) -> str:
        return "Setting a new password signs you out of every other device and app."
