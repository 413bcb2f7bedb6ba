from typing import Any

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Stores the `full_name` given at sign-up (allauth knows only first and last names)."""

    def save_user(self, request: Any, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=False)
        user.full_name = (form.cleaned_data.get("full_name") or "").strip()
        if commit:
            user.save()
        return user
