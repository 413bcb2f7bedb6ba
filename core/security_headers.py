"""Permissions-Policy and Cache-Control on every response Django makes (the CSP comes from django-csp).

- `Permissions-Policy` (PERMISSIONS_POLICY): every powerful browser feature off (camera, microphone,
  geolocation, payment, USB, …) except autoplay and fullscreen for our own pages (the player plays audio).
- `Cache-Control: no-store` on every response that does not say how it may be cached. API answers,
  sign-in and token answers, signed stream links and signed-in pages carry credentials or a user's
  private data: no browser or proxy may keep a copy (a shared computer's back button, a proxy cache).
  Two kinds of responses keep their own caching: static files (WhiteNoise answers them before this
  middleware, with long-lived immutable caching: public, versioned file names), and the song stream
  bytes (`Cache-Control: private`: only the listener's own browser may cache the public catalog audio
  it is seeking in; the signed link itself came in a no-store JSON answer).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.deprecation import MiddlewareMixin


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """`{"camera": [], "autoplay": ["self"]}` → `camera=(), autoplay=(self)`."""
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in policy.items())


class SecurityHeadersMiddleware(MiddlewareMixin):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = permissions_policy_header(settings.PERMISSIONS_POLICY)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response
