"""The ListenBrainz API's routes, mounted at /1/ and at /apis/listenbrainz/1/ (config/urls.py), each with
or without a trailing slash (clients differ)."""

from django.urls import re_path

from scrobbling.api import views

USER = r"user/(?P<user_name>[^/]+)"

urlpatterns = [
    re_path(r"^validate-token/?$", views.validate_token, name="validate-token"),
    re_path(r"^submit-listens/?$", views.submit_listens, name="submit-listens"),
    re_path(r"^playing-now/delete/?$", views.playing_now_delete, name="playing-now-delete"),
    re_path(rf"^{USER}/listens/?$", views.user_listens, name="user-listens"),
    re_path(rf"^{USER}/listen-count/?$", views.user_listen_count, name="user-listen-count"),
    re_path(rf"^{USER}/playing-now/?$", views.user_playing_now, name="user-playing-now"),
    re_path(r"^(?P<rest>.*)$", views.not_served, name="not-served"),
]
