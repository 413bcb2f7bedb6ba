"""gunicorn's uvicorn worker, with proxy headers off (config/gunicorn.py names it).

uvicorn believes `X-Forwarded-For` and `X-Forwarded-Proto` from 127.0.0.1 by default and hands the
app the address the header names, so a client behind a local proxy could pick its own address. Off,
the app sees the connection's peer and NUM_PROXIES (core/client_ip.py) alone decides the client.
"""

from __future__ import annotations

from typing import Any

from uvicorn_worker import UvicornWorker


class MusicHubUvicornWorker(UvicornWorker):
    """HTTP and WebSockets (uvloop, httptools, websockets when installed) without proxy headers."""

    CONFIG_KWARGS: dict[str, Any] = {**UvicornWorker.CONFIG_KWARGS, "proxy_headers": False}
