from typing import Any

from allauth.account.utils import has_verified_email
from django import forms
from django.contrib.auth.forms import AuthenticationForm

from users import services
from users.models import User
from users.time_zones import time_zone_groups


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Wrong email or password.",
        "unverified": "Confirm your email address first: follow the link we mailed to %(email)s.",
    }

    def confirm_login_allowed(self, user: User) -> None:
        """With ACCOUNT_EMAIL_VERIFICATION=mandatory, as the API's login: no sign-in before the
        address is confirmed (a new link is mailed, at most one every few minutes)."""
        super().confirm_login_allowed(user)
        if services.email_verification_is_mandatory() and not has_verified_email(user):
            if self.request is not None:  # the link is built from the request (the sign-in page gives it)
                services.email_verification_send_for_user(request=self.request, user=user)
            raise forms.ValidationError(
                self.error_messages["unverified"], code="unverified", params={"email": user.email}
            )


class EmailForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))


class SignUpForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=150, required=False)
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password1 = forms.CharField(
        label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=150, required=False)
    user_name = forms.CharField(
        label="User name",
        max_length=40,
        required=False,
        help_text="Your public name in addresses, and the user name scrobblers see (ListenBrainz API).",
    )
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,  # a form sent without it keeps the zone
        help_text="Your stats and History's charts count days and hours in this zone.",
    )
    image = forms.FileField(label="Picture", required=False)
    remove_image = forms.BooleanField(label="Remove the picture", required=False)

    def __init__(self, *args: Any, has_image: bool = True, time_zone: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Grouped by region (optgroups); the user's own zone is listed even when outside the regions.
        self.fields["time_zone"].choices = time_zone_groups(current=time_zone)  # type: ignore[attr-defined]
        if not has_image:  # nothing to remove: no such box
            del self.fields["remove_image"]


class SongUploadForm(forms.Form):
    audio_file = forms.FileField(label="Audio file (MP3, Ogg, FLAC, M4A, WAV)")
    title = forms.CharField(max_length=200, required=False, help_text="Empty: read from the file's tags.")
    artist = forms.CharField(max_length=200, required=False, help_text="Empty: read from the file's tags.")
    image = forms.FileField(label="Cover (optional)", required=False)
