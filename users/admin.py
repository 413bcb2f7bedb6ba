from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from users.models import ApiToken, User, UserApiKey
from users.services import time_zone_changed_on_commit
from users.time_zones import time_zone_groups
from users.vault_registry import SERVICES


class UserCreationForm(auth_forms.UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class UserChangeForm(auth_forms.UserChangeForm):
    time_zone = forms.ChoiceField(
        required=False,
        help_text="Days and hours in the user's stats; changing it recounts them in the background.",
    )

    class Meta:
        model = User
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["time_zone"])
        field.choices = [("", "Not chosen yet (UTC)"), *time_zone_groups(current=self.instance.time_zone)]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "full_name", "is_staff", "is_superuser", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "full_name")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "image", "time_zone")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "time_zone" in form.changed_data:  # the stats are recounted in the new zone
            time_zone_changed_on_commit(obj, old=form.initial.get("time_zone") or "")


class UserApiKeyForm(forms.ModelForm):
    """Admins may replace a key, never read it: the field starts empty and is never rendered back."""

    service_name = forms.ChoiceField(choices=[(spec.name, spec.display_name) for spec in SERVICES.values()])
    new_key = forms.CharField(
        label="Replace key",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Leave empty to keep the stored key.",
    )

    class Meta:
        model = UserApiKey
        fields = ("user", "service_name", "service_user_id", "new_key")

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk and not cleaned.get("new_key"):
            self.add_error("new_key", "A new entry needs a key.")
        return cleaned

    def save(self, commit: bool = True) -> UserApiKey:
        row = super().save(commit=False)
        if self.cleaned_data.get("new_key"):
            row.set_key(self.cleaned_data["new_key"])
            row.set_metadata(None)
            row.last_verified_at = None
            row.last_error = ""
        if commit:
            row.save()
        return row


@admin.register(UserApiKey)
class UserApiKeyAdmin(admin.ModelAdmin):
    form = UserApiKeyForm
    list_display = ("user", "service_name", "masked_key", "service_user_id", "last_verified_at", "updated_at")
    list_filter = ("service_name",)
    search_fields = ("user__email", "service_name", "service_user_id")
    readonly_fields = ("masked_key", "last_verified_at", "last_error", "created_at", "updated_at")
    raw_id_fields = ("user",)

    @admin.display(description="Key")
    def masked_key(self, row: UserApiKey) -> str:
        return row.masked_key


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Who holds a DRF token since when, by its first characters: the key is not stored, and its
    digest is not shown. Deleting a row signs that device out."""

    list_display = ("prefix_shown", "user", "created")
    search_fields = ("user__email", "prefix")
    list_select_related = ("user",)
    fields = ("prefix_shown", "user", "created")
    readonly_fields = fields

    @admin.display(description="Key starts with")
    def prefix_shown(self, token: ApiToken) -> str:
        return f"{token.prefix}…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False


# simplejwt's own pages show each refresh JWT's text; ours show its id and state, never a token.
for model in (OutstandingToken, BlacklistedToken):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(OutstandingToken)
class RefreshTokenAdmin(admin.ModelAdmin):
    """Refresh JWTs issued (by `jti`), whether they are blacklisted; an action blacklists them."""

    list_display = ("jti", "user", "created_at", "expires_at", "blacklisted")
    list_filter = ("expires_at",)
    search_fields = ("user__email", "jti")
    list_select_related = ("user", "blacklistedtoken")
    fields = ("jti", "user", "created_at", "expires_at", "blacklisted")
    readonly_fields = fields
    actions = ["blacklist"]

    @admin.display(boolean=True, description="Blacklisted")
    def blacklisted(self, token: OutstandingToken) -> bool:
        return hasattr(token, "blacklistedtoken")

    @admin.action(description="Blacklist the selected refresh tokens")
    def blacklist(self, request: HttpRequest, queryset: QuerySet[OutstandingToken]) -> None:
        BlacklistedToken.objects.bulk_create(
            [BlacklistedToken(token=token) for token in queryset], ignore_conflicts=True
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutstandingToken | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutstandingToken | None = None) -> bool:
        return False  # deleting a row would drop its blacklisting; `manage.py flushexpiredtokens` tidies
