"""Sign up, sign in, sign out, and the profile page (session sign-in, CSRF-protected forms)."""

from __future__ import annotations

from allauth.account import app_settings as allauth_settings
from allauth.account.utils import complete_signup
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from core.authenticated import AuthenticatedHttpRequest
from core.errors import AppError
from users import services
from users.selectors import user_zone
from web.forms import ProfileForm, SignInForm, SignUpForm

WELCOME = "Welcome to MusicHub! Connect your services to bring your music in."


def _field_errors(form, exc: AppError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(
                request=request,
                email=form.cleaned_data["email"],
                password1=form.cleaned_data["password1"],
                password2=form.cleaned_data["password2"],
                full_name=form.cleaned_data["full_name"],
            )
        except AppError as exc:
            _field_errors(form, exc)
        else:
            # allauth's flow, as the API's registration: with mandatory verification it mails the
            # link and answers with the "check your email" page instead of signing in.
            response = complete_signup(
                request, user, allauth_settings.EMAIL_VERIFICATION, reverse("web:connections")
            )
            if request.user.is_authenticated:
                messages.success(request, WELCOME)
            return response
    return render(request, "web/signup.html", {"form": form})


class SignInView(auth_views.LoginView):
    template_name = "web/signin.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:signin")


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.user_name_ensure(user=request.user)
    zone = user_zone(request.user).key
    form = ProfileForm(
        request.POST or None,
        request.FILES or None,
        initial={"full_name": request.user.full_name, "user_name": request.user.user_name, "time_zone": zone},
        has_image=bool(request.user.image),
        time_zone=zone,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["user_name"]:
                services.user_name_set(user=request.user, user_name=form.cleaned_data["user_name"])
            services.user_update_profile(
                user=request.user,
                full_name=form.cleaned_data["full_name"],
                image=form.cleaned_data.get("image"),
                remove_image=form.cleaned_data.get("remove_image", False),
                time_zone=form.cleaned_data["time_zone"] or None,
            )
        except AppError as exc:
            _field_errors(form, exc)
        else:
            messages.success(request, "Profile saved.")
            return redirect("web:profile")
    return render(request, "web/profile.html", {"form": form, "section": "profile"})


urlpatterns = [
    path("signup", signup, name="signup"),
    path("signin", SignInView.as_view(), name="signin"),
    path("signout", signout, name="signout"),
    path("profile", profile, name="profile"),
]
