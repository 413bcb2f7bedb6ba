"""Artwork (`GET /art/<host>/<path>`), channel `art`: the pictures the fake providers name.

The other services answer with the real CDNs' addresses (`https://i.scdn.co/image/…`,
`https://lastfm.freetls.fastly.net/i/u/…`, `https://i.ytimg.com/vi/…`); the sandbox rewrites them in
its JSON answers to `<sandbox>/art/<host>/<path>` (`sandbox.app.ART_HOSTS`), so a machine without
internet shows every cover. Each picture is an SVG drawn from a hash of its path: two colours and a
note, the same picture for the same path.

Setting: `CSP_IMAGE_SOURCES` → the sandbox's origin and `https:` (the pages may show its pictures).
"""

from __future__ import annotations

import hashlib

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.services import register
from sandbox.services.base import Service

NOTE = "M58 24v34a9 9 0 1 1-6-8.5V34l-14 3.5V64a9 9 0 1 1-6-8.5V32z"


def cover_svg(name: str) -> str:
    digest = hashlib.sha256(name.encode()).hexdigest()
    hue = int(digest[:4], 16) % 360
    second = (hue + 40 + int(digest[4:6], 16) % 120) % 360
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="300" height="300">'
        '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="hsl({hue},55%,42%)"/>'
        f'<stop offset="1" stop-color="hsl({second},60%,22%)"/></linearGradient></defs>'
        '<rect width="100" height="100" fill="url(#g)"/>'
        f'<path d="{NOTE}" fill="rgba(255,255,255,.82)"/></svg>'
    )


@register
class ArtworkService(Service):
    name = "art"
    mounts = {"/art": "art"}
    env = {"CSP_IMAGE_SOURCES": "={sandbox},https:"}
    rules = [Rule("/art/<path:name>", endpoint="picture", methods=["GET"])]

    def on_picture(self, request: Request, name: str) -> Response:
        return Response(
            cover_svg(name),
            content_type="image/svg+xml",
            headers={"Cache-Control": "public, max-age=86400"},
        )
