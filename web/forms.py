from django import forms
from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


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
    image = forms.FileField(label="Picture", required=False)
    remove_image = forms.BooleanField(label="Remove the picture", required=False)


class SongUploadForm(forms.Form):
    audio_file = forms.FileField(label="Audio file (MP3, Ogg, FLAC, M4A, WAV)")
    title = forms.CharField(max_length=200, required=False, help_text="Empty: read from the file's tags.")
    artist = forms.CharField(max_length=200, required=False, help_text="Empty: read from the file's tags.")
    image = forms.FileField(label="Cover (optional)", required=False)
