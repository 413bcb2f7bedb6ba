"""The pages a mailed link opens, and the forms that mail them: confirm an email address (allauth's
confirmation key) and set a new password (allauth's password reset token, the API's too)."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import default_token_generator as password_reset_token_generator
from allauth.account.utils import url_str_to_user_pk
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse_lazy

from users import services
from web.forms import EmailForm

ASKED = "If an account uses {email} and it is not confirmed yet, a new link is on its way."


def verify_email_sent(request: HttpRequest) -> HttpResponse:
    """The "check your email" page after a sign-up with mandatory verification; asks for a new link."""
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        services.email_verification_resend(request=request, email=email)
        messages.info(request, ASKED.format(email=email))
        return redirect("web:verify-email-sent")
    return render(request, "web/verify_email_sent.html", {"form": form})


def verify_email(request: HttpRequest, key: str) -> HttpResponse:
    """The mailed confirmation link: a button confirms the address (a POST, so that a mail scanner
    that opens links confirms nothing), then the page offers to sign in."""
    if request.method == "POST":
        address = services.email_verification_confirm(request=request, key=key)
        if address is not None:
            if request.user.is_authenticated:
                return redirect("web:profile")
            return redirect("web:signin")
        return render(request, "web/verify_email.html", {"invalid": True}, status=400)
    return render(request, "web/verify_email.html", {"invalid": False})


def password_reset(request: HttpRequest) -> HttpResponse:
    """Forgot your password: mails a link when an account uses the address, says the same otherwise."""
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_reset_send(request=request, email=form.cleaned_data["email"])
        return redirect("web:password-reset-done")
    return render(request, "web/password_reset.html", {"form": form})


def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(request, "web/password_reset_done.html")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The mailed reset link. Django's view (the token moves from the URL into the session before
    the form shows, so it leaks through no Referer), with allauth's uid and token, which the API's
    /api/auth/password/reset/confirm/ accepts too. The form saves with user.set_password."""

    template_name = "web/password_reset_confirm.html"
    token_generator = password_reset_token_generator
    success_url = reverse_lazy("web:signin")

    def get_user(self, uidb64: str) -> Any:
        user_model = get_user_model()
        try:
            return user_model._default_manager.get(pk=url_str_to_user_pk(uidb64))
        except (TypeError, ValueError, OverflowError, user_model.DoesNotExist):
            return None

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "Your password is changed: sign in with the new one.")
        return response


urlpatterns = [
    path("verify-email/sent", verify_email_sent, name="verify-email-sent"),
    path("verify-email/<str:key>", verify_email, name="verify-email"),
    path("password-reset", password_reset, name="password-reset"),
    path("password-reset/sent", password_reset_done, name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>", PasswordResetConfirmView.as_view(), name="password-reset-confirm"
    ),
]
