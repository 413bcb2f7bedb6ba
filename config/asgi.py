"""ASGI entry point: HTTP through Django, WebSockets through Channels (routes added by the apps)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs the app registry loaded)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from core.concurrency import ConcurrencyLimit  # noqa: E402
from core.request_limits import RequestBodyLimit  # noqa: E402
from messaging import routing as messaging_routing  # noqa: E402
from rooms import routing as rooms_routing  # noqa: E402
from users.ws_auth import SubprotocolAuthMiddleware  # noqa: E402

websocket_urlpatterns = [*rooms_routing.websocket_urlpatterns, *messaging_routing.websocket_urlpatterns]

application = ProtocolTypeRouter(
    {
        # An oversized body is refused here, before Django copies it to a temporary file; then no
        # more requests enter Django at once than the database pool can serve.
        "http": RequestBodyLimit(ConcurrencyLimit.from_settings(django_asgi_app)),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(SubprotocolAuthMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)
