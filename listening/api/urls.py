from django.urls import path

from listening.api import views

urlpatterns = [
    path("fetch-recently-played/", views.FetchRecentlyPlayedView.as_view(), name="fetch-recently-played"),
    path("fetch-lastfm-recent/", views.FetchLastfmRecentView.as_view(), name="fetch-lastfm-recent"),
    path("get-stored-songs/", views.StoredSongsView.as_view(), name="get-stored-songs"),
    path("sync/", views.SyncView.as_view(), name="listening-sync"),
    path("sync/status/", views.SyncStatusView.as_view(), name="listening-sync-status"),
    path("imports/", views.ImportListView.as_view(), name="music-imports"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="music-import-detail"),
    path("imports/<int:pk>/confirm/", views.ImportConfirmView.as_view(), name="music-import-confirm"),
    path("export/", views.ExportView.as_view(), name="music-export"),
]
