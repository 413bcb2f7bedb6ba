"""Seed 002's paths, under /spotify/ (no trailing slashes, as the seed and Spotify's redirect have them)."""

from django.urls import path

from credentials.api import views

urlpatterns = [
    path("get-auth-url", views.AuthURLView.as_view(), name="spotify-auth-url"),
    path("redirect", views.RedirectView.as_view(), name="spotify-redirect"),
    path("is-authenticated", views.IsAuthenticatedView.as_view(), name="spotify-is-authenticated"),
    path("disconnect", views.DisconnectView.as_view(), name="spotify-disconnect"),
]
