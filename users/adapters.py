from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from core.client_ip import client_ip


class AccountAdapter(DefaultAccountAdapter):
    """Stores the `full_name` given at sign-up (allauth knows only first and last names)."""

    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's rate limits count by the same trusted client address as everything else."""
        return client_ip(request)

    def save_user(self, request: Any, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=False)
        user.full_name = (form.cleaned_data.get("full_name") or "").strip()
        if commit:
            user.save()
        return user
