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

from functools import cache

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase
from django.utils.deprecation import MiddlewareMixin

# What a view or decorator may set on a response to change its policy (django-csp's decorators).
_CSP_OVERRIDES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """`{"camera": [], "autoplay": ["self"]}` → `camera=(), autoplay=(self)`."""
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in policy.items())


@cache
def _permissions_policy() -> str:
    return permissions_policy_header(settings.PERMISSIONS_POLICY)


@cache
def _settings_policies() -> tuple[str, str]:
    """The CSP and report-only CSP headers the settings alone make (no nonce, no decorator)."""
    return build_policy(), build_policy(report_only=True)


@receiver(setting_changed)
def _forget_built_headers(*, setting: str, **kwargs: object) -> None:
    if setting in {"CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY", "PERMISSIONS_POLICY"}:
        _permissions_policy.cache_clear()
        _settings_policies.cache_clear()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, building the policy once instead of twice on every response.

    django-csp rebuilds both headers from the settings on each response (a tenth of a stream range
    request's time). Only a response whose page asked for a nonce, or that a django-csp decorator
    changed, needs its own policy: those still go through django-csp; every other response gets the
    same headers, built once (again when the settings change, in tests).
    """

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in _CSP_OVERRIDES
        ):
            return super().process_response(request, response)
        if response.status_code in (404, 500) and settings.DEBUG:
            return response  # as django-csp: Django's debug pages have inline script
        for header, value, exempt, setting in zip(
            (HEADER, HEADER_REPORT_ONLY),
            _settings_policies(),
            ("_csp_exempt", "_csp_exempt_ro"),
            ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
            strict=True,
        ):
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if (
                value
                and header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(tuple(prefixes))
            ):
                response[header] = value
        # As django-csp: a nonce asked for after the header is written would not be in it.
        request.csp_nonce = CheckableLazyObject(  # type: ignore[attr-defined]  # django-csp's attribute
            self._csp_nonce_post_response
        )
        return response


class SecurityHeadersMiddleware(MiddlewareMixin):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = _permissions_policy()
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response
