from django.urls import path

from listening.api import stats_views, views

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
    path("listens/<int:pk>/", views.ListenDetailView.as_view(), name="music-listen-detail"),
    path("stats/top/", stats_views.StatsTopView.as_view(), name="music-stats-top"),
    path("stats/activity/", stats_views.StatsActivityView.as_view(), name="music-stats-activity"),
    path("stats/summary/", stats_views.StatsSummaryView.as_view(), name="music-stats-summary"),
    path("stats/year/<int:year>/", stats_views.StatsYearView.as_view(), name="music-stats-year"),
]
