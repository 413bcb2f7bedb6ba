"""The web pages. Each area has its own module; the API's services and selectors do the work."""

from django.urls import include, path

app_name = "web"

urlpatterns = [
    path("", include("web.accounts")),
    path("", include("web.mailed_links")),
    path("", include("web.library")),
    path("", include("web.connections")),
    path("", include("web.imports")),
    path("", include("web.scrobbling")),
    path("", include("web.history")),
    path("", include("web.stats")),
    path("", include("web.year_review")),
    path("", include("web.rooms")),
    path("", include("web.messages")),
]
