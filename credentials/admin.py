"""Seed 000's admin: a section per platform, colour-coded validation, write-only secrets, and for
Spotify the OAuth buttons (start, callback, refresh, validate) with the token's state."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from core.errors import AppError
from credentials.models import (
    AbstractMusicPlatform,
    AmazonMusicCredential,
    AppleMusicCredential,
    DeezerCredential,
    SpotifyCredential,
    TidalCredential,
    YouTubeMusicCredential,
)
from credentials.oauth_cookies import (
    ADMIN_CREDENTIAL,
    oauth_cookie_clear,
    oauth_cookie_read,
    oauth_cookie_set,
)
from credentials.services import credential_validate
from credentials.spotify_app_credential import spotify_credential_oauth_finish, spotify_credential_oauth_start
from credentials.spotify_oauth import SpotifyAuthorizationDenied

STATUS_COLOURS = {"valid": "#1a7f37", "invalid": "#cf222e", "unknown": "#6e7781"}


class SecretFieldsForm(forms.ModelForm):
    """Secrets are write-only: the inputs start empty, and an empty input keeps what is stored."""

    secret_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stored = {name: getattr(self.instance, name, "") for name in self.secret_fields}
        for name in self.secret_fields:
            if name not in self.fields:
                continue
            model_field = self.instance._meta.get_field(name)
            is_set = bool(self._stored[name])
            self.fields[name] = forms.CharField(
                label=model_field.verbose_name.capitalize(),
                required=not model_field.blank and not is_set,
                strip=True,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
                help_text=("Stored (hidden). Type a new value to replace it." if is_set else "Not set."),
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for name in self.secret_fields:
            if name in cleaned and not cleaned[name]:
                cleaned[name] = self._stored[name]
        return cleaned


class CredentialAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "name",
        "is_active",
        "colored_validation_status",
        "last_validated",
        "updated_at",
    )
    list_filter = ("is_active",)
    search_fields = ("description",)
    readonly_fields: ClassVar[tuple[str, ...]] = (
        "colored_validation_status",
        "last_validated",
        "validation_error",
        "created_at",
        "updated_at",
    )
    actions = ["validate_selected"]
    change_form_template = "admin/credentials/change_form.html"
    credential_fields: tuple[str, ...] = ()

    def get_fieldsets(self, request: HttpRequest, obj: Any = None):
        return (
            ("Platform configuration", {"fields": ("name", "is_active", "description")}),
            ("API credentials", {"fields": self.credential_fields}),
            (
                "Validation",
                {
                    "classes": ("collapse",),
                    "fields": ("colored_validation_status", "last_validated", "validation_error"),
                },
            ),
            ("Timestamps", {"classes": ("collapse",), "fields": ("created_at", "updated_at")}),
        )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form_class = type(
            f"{self.model.__name__}AdminForm",
            (SecretFieldsForm,),
            {
                "secret_fields": self.model.secret_fields,
                "Meta": type("Meta", (), {"model": self.model, "fields": "__all__"}),
            },
        )
        kwargs["form"] = form_class
        return super().get_form(request, obj, change, **kwargs)

    @admin.display(description="Validation")
    def colored_validation_status(self, obj: AbstractMusicPlatform) -> str:
        status = obj.validation_status
        return format_html(
            '<strong style="color: {}">{}</strong>', STATUS_COLOURS[status], status.capitalize()
        )

    @admin.action(description="Validate selected credentials")
    def validate_selected(self, request: HttpRequest, queryset) -> None:
        for credential in queryset:
            self._report(request, credential, credential_validate(credential=credential))

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<int:object_id>/validate/",
                self.admin_site.admin_view(require_POST(self.validate_view)),
                name=f"{info[0]}_{info[1]}_validate",
            ),
            *self.extra_urls(info),
            *super().get_urls(),
        ]

    def extra_urls(self, info: tuple[str, str]) -> list:
        return []

    def _change_url(self, obj: AbstractMusicPlatform) -> str:
        return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])

    def _object_or_404(self, request: HttpRequest, object_id: int):
        if not self.has_change_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.model, pk=object_id)

    def _report(self, request: HttpRequest, credential: AbstractMusicPlatform, result) -> None:
        if result.valid:
            messages.success(request, f"✅ {credential}: credentials are valid.")
        else:
            messages.error(request, f"❌ {credential}: {result.error}")

    def validate_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        credential = self._object_or_404(request, object_id)
        self._report(request, credential, credential_validate(credential=credential))
        return HttpResponseRedirect(self._change_url(credential))


@admin.register(SpotifyCredential)
class SpotifyCredentialAdmin(CredentialAdmin):
    credential_fields = (
        "client_id",
        "client_secret",
        "redirect_uri",
        "scopes",
        "max_users",
        "access_token",
        "refresh_token",
    )
    readonly_fields = (*CredentialAdmin.readonly_fields, "token_status")
    change_form_template = "admin/credentials/spotifycredential/change_form.html"

    def get_fieldsets(self, request: HttpRequest, obj: Any = None):
        fieldsets = list(super().get_fieldsets(request, obj))
        fieldsets.insert(2, ("Token status", {"fields": ("token_status",)}))
        return fieldsets

    @admin.display(description="Token")
    def token_status(self, obj: SpotifyCredential) -> str:
        info = obj.get_token_info()
        if not info["has_access_token"]:
            return "No token yet: use “Start OAuth Flow”."
        state = (
            "expired" if info["is_expired"] else f"valid for {info['expires_in_seconds'] // 60} more minutes"
        )
        refresh = "a refresh token is stored" if info["has_refresh_token"] else "no refresh token"
        return f"Access token {state} (expires {info['token_expiry'] or 'unknown'}); {refresh}."

    def extra_urls(self, info: tuple[str, str]) -> list:
        return [
            path(
                "<int:object_id>/start-oauth/",
                self.admin_site.admin_view(self.start_oauth_view),
                name=f"{info[0]}_{info[1]}_start_oauth",
            ),
            path(
                "<int:object_id>/oauth-callback/",
                self.admin_site.admin_view(self.oauth_callback_view),
                name=f"{info[0]}_{info[1]}_oauth_callback",
            ),
            path(
                "<int:object_id>/refresh-token/",
                self.admin_site.admin_view(require_POST(self.refresh_token_view)),
                name=f"{info[0]}_{info[1]}_refresh_token",
            ),
        ]

    def _callback_uri(self, request: HttpRequest, credential: SpotifyCredential) -> str:
        return credential.redirect_uri or request.build_absolute_uri(
            reverse("admin:credentials_spotifycredential_oauth_callback", args=[credential.pk])
        )

    def start_oauth_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """To Spotify's consent page, with the cookie that lets only this browser complete the flow."""
        credential = self._object_or_404(request, object_id)
        try:
            start = spotify_credential_oauth_start(
                credential=credential, redirect_uri=self._callback_uri(request, credential)
            )
        except AppError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(self._change_url(credential))
        return oauth_cookie_set(HttpResponseRedirect(start.url), prefix=ADMIN_CREDENTIAL, start=start)

    def oauth_callback_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Spotify's answer: saved only for the browser that started the flow (its state is used up
        either way)."""
        credential = self._object_or_404(request, object_id)
        state = request.GET.get("state", "")
        try:
            info = spotify_credential_oauth_finish(
                credential=credential,
                state=state,
                code=request.GET.get("code"),
                error=request.GET.get("error"),
                browser_secret=oauth_cookie_read(request, prefix=ADMIN_CREDENTIAL, state=state),
            )
        except SpotifyAuthorizationDenied as exc:
            messages.error(request, exc.message)
        except AppError as exc:
            messages.error(request, f"OAuth failed: {exc.message}")
        else:
            messages.success(
                request, f"✅ Spotify authorised; the access token expires {info['token_expiry']}."
            )
        response = HttpResponseRedirect(self._change_url(credential))
        if state:
            oauth_cookie_clear(
                response,
                prefix=ADMIN_CREDENTIAL,
                state=state,
                redirect_uri=self._callback_uri(request, credential),
            )
        return response

    def refresh_token_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        credential = self._object_or_404(request, object_id)
        try:
            info = credential.refresh_access_token()
        except AppError as exc:
            messages.error(request, f"Refresh failed: {exc.message}")
        else:
            messages.success(request, f"✅ Token refreshed; it expires {info['token_expiry']}.")
        return HttpResponseRedirect(self._change_url(credential))


@admin.register(YouTubeMusicCredential)
class YouTubeMusicCredentialAdmin(CredentialAdmin):
    credential_fields = ("api_key", "client_id", "client_secret", "access_token", "refresh_token")


@admin.register(AmazonMusicCredential)
class AmazonMusicCredentialAdmin(CredentialAdmin):
    credential_fields = (
        "client_id",
        "client_secret",
        "security_profile_id",
        "access_token",
        "refresh_token",
        "token_expiry",
    )


@admin.register(AppleMusicCredential)
class AppleMusicCredentialAdmin(CredentialAdmin):
    credential_fields = ("team_id", "key_id", "private_key", "music_user_token", "storefront")


@admin.register(DeezerCredential)
class DeezerCredentialAdmin(CredentialAdmin):
    credential_fields = ("app_id", "secret", "redirect_uri", "permissions", "access_token")


@admin.register(TidalCredential)
class TidalCredentialAdmin(CredentialAdmin):
    credential_fields = ("client_id", "client_secret", "country_code", "access_token", "token_expiry")
