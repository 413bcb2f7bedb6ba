from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.metrics import metrics_view
from core.views import health, not_found, ready
from credentials.api.views import SpotifyAppView
from musics.admin import stats_view as admin_stats_view
from scrobbling.api.token_views import ListenBrainzTokenView
from users.api.urls import auth_urlpatterns
from users.api.vault_views import ConnectionsView

handler404 = "core.views.not_found"
LISTENBRAINZ_API = ("scrobbling.api.urls", "scrobbling")
handler500 = "core.views.server_error"

urlpatterns = [
    path("admin/stats/", admin.site.admin_view(admin_stats_view), name="admin-stats"),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("health/ready/", ready, name="health-ready"),
    path("metrics", metrics_view, name="metrics"),
    path("api/auth/", include(auth_urlpatterns)),
    path("api/", include("users.api.urls")),
    path("api/", include("messaging.api.urls")),
    path("api/", include("musics.api.urls")),
    path("api/", include("rooms.api.urls")),
    path("users/api-keys/", include("users.api.vault_urls")),
    path("spotify/", include("credentials.api.urls")),
    path("music/", include("listening.api.urls")),
    path("users/connections/", ConnectionsView.as_view(), name="user-connections"),
    path("users/spotify-app/", SpotifyAppView.as_view(), name="user-spotify-app"),
    path("users/listenbrainz-token/", ListenBrainzTokenView.as_view(), name="listenbrainz-token"),
    # The ListenBrainz-compatible API, at both roots clients build (scrobbling/api/urls.py).
    path("1/", include(LISTENBRAINZ_API, namespace="listenbrainz")),
    path("apis/listenbrainz/1/", include(LISTENBRAINZ_API, namespace="listenbrainz-apis")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its script from a URL: no inline script (Content-Security-Policy).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    # Unknown API paths answer JSON, in DEBUG too (Django's debug 404 page is HTML).
    re_path(r"^api/", not_found),
    path("", include("web.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
