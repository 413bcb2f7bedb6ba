"""allauth's hooks: the sign-up's full name, and mailed links that open MusicHub's own web pages."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import user_pk_to_url_str
from allauth.core import context as allauth_context
from allauth.utils import build_absolute_uri
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from core.client_ip import client_ip

# allauth's flash messages that the web pages say in their own words (or need not say at all).
# "Confirmation e-mail sent to <address>" would tell whoever asks for a new link that an account
# uses the address: the pages say "if an account uses it" instead.
SILENT_MESSAGES = frozenset(
    {
        "account/messages/logged_in.txt",
        "account/messages/logged_out.txt",
        "account/messages/email_confirmation_sent.txt",
    }
)


class AccountAdapter(DefaultAccountAdapter):
    """Stores the `full_name` given at sign-up (allauth knows only first and last names), and points
    allauth's links and redirects at the web pages (allauth's own account pages are not mounted)."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Renders the mail here and lets a worker send it (users/tasks.py says why)."""
        from users.tasks import send_account_mail

        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": get_current_site(request), **context},
        )
        html = next(
            (content for content, kind in getattr(message, "alternatives", []) if kind == "text/html"), None
        )
        send_account_mail.delay(
            subject=message.subject,
            body=message.body,
            from_email=message.from_email,
            to=list(message.to),
            html=html,
        )

    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's rate limits count by the same trusted client address as everything else."""
        return client_ip(request)

    def save_user(self, request: Any, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=False)
        user.full_name = (form.cleaned_data.get("full_name") or "").strip()
        if commit:
            user.save()
        return user

    def get_email_confirmation_url(self, request: HttpRequest | None, emailconfirmation: Any) -> str:
        """The mailed link opens the web page that confirms the key (an API client can also POST the
        key, the link's last part, to /api/auth/registration/verify-email/)."""
        return build_absolute_uri(request, reverse("web:verify-email", args=[emailconfirmation.key]))

    def respond_email_verification_sent(self, request: HttpRequest, user: Any) -> HttpResponse:
        """Mandatory verification: a new account is not signed in, it is told to read its mail."""
        return HttpResponseRedirect(reverse("web:verify-email-sent"))

    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict[str, Any] | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        if message_template in SILENT_MESSAGES:
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message)


def password_reset_url(request: HttpRequest | None, user: Any, temp_key: str) -> str:
    """The mailed password reset link: the web page that sets a new password (an API client can
    POST its `uid` and `token`, the link's last two parts, to /api/auth/password/reset/confirm/)."""
    path = reverse("web:password-reset-confirm", args=[user_pk_to_url_str(user), temp_key])
    return build_absolute_uri(request, path)


def dj_rest_auth_token_create(token_model: type, user: Any, serializer: Any) -> Any:
    """dj-rest-auth's TOKEN_CREATOR. Our views issue credentials themselves; should any other
    dj-rest-auth path ask, it gets a new hashed token (the key only in memory), never a stored key."""
    from users.services import api_token_issue  # services import this module

    token, key = api_token_issue(user=user)
    token.key = key  # type: ignore[attr-defined]  # in memory only: the row keeps a digest
    return token
