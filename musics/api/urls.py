"""Seed 003's catalog paths, under /api/."""

from django.urls import path

from musics.api import views
from musics.api.stream_views import song_stream

urlpatterns = [
    path("songs/", views.SongListView.as_view(), name="song-list"),
    path("songs/featured/", views.FeaturedSongsView.as_view(), name="song-featured"),
    path("songs/made-for-you/", views.MadeForYouView.as_view(), name="song-made-for-you"),
    path("songs/trending/", views.TrendingSongsView.as_view(), name="song-trending"),
    path("songs/<int:pk>/", views.SongDetailView.as_view(), name="song-detail"),
    path("songs/<int:pk>/stream/", song_stream, name="song-stream"),
    path("songs/<int:pk>/played/", views.SongPlayedView.as_view(), name="song-played"),
    path("albums/", views.AlbumListView.as_view(), name="album-list"),
    path("albums/<int:pk>/", views.AlbumDetailView.as_view(), name="album-detail"),
    path("stats/", views.StatsView.as_view(), name="stats"),
]
