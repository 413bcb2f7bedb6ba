"""Content-Security-Policy, Permissions-Policy and Cache-Control on what Django answers.

The pages hold no inline script (nor inline event handler, nor `javascript:` URL), and every <style>
element carries the response's nonce, so the policy forbids inline script and eval outright. The
browser side (no violation, pages still work) is tests/e2e/test_csp.py.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from musics.models import Album
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory, verified_admin
from tests.musics.test_catalog_api import make_song

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


class Inline(HTMLParser):
    """What a strict CSP would refuse in a page: inline scripts, handlers, javascript: URLs, styles."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self.styles_nonces: list[str | None] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if (
                name.startswith("on")
                or name.startswith("hx-on")
                or (value or "").strip().startswith("javascript:")
            ):
                self.handlers.append(f"<{tag} {name}={value!r}>")
            if name in ("hx-vals", "hx-vars") and (value or "").startswith("js:"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and not attributes.get("src"):
            self._in_script = True
            self.scripts.append("")
        if tag == "style":
            self.styles_nonces.append(attributes.get("nonce"))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def inline_of(response) -> Inline:
    parser = Inline()
    parser.feed(response.content.decode())
    return parser


def assert_strict_page(response) -> None:
    assert response.status_code == 200, response.status_code
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no nonce needed
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["style-src-elem"]
    found = inline_of(response)
    assert found.scripts == [], found.scripts
    assert found.handlers == [], found.handlers
    nonce = next((source for source in policy["style-src-elem"] if source.startswith("'nonce-")), None)
    for style_nonce in found.styles_nonces:
        assert style_nonce is not None
        assert f"'nonce-{style_nonce}'" == nonce


@pytest.fixture
def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "path", ["/", "/library", "/history", "/connections", "/messages", "/create", "/join", "/profile"]
)
def test_every_signed_in_page_runs_under_a_strict_policy(browser, path):
    assert_strict_page(browser.get(path))


def test_a_conversation_and_an_album_page_too(browser, user):
    other = UserFactory()
    album = Album.objects.create(title="Record", artist="Band")
    make_song("Tune", "Band", album=album)

    assert_strict_page(browser.get(f"/messages/{other.pk}"))
    assert_strict_page(browser.get(f"/library/albums/{album.pk}"))


@pytest.mark.parametrize("path", ["/signin", "/signup", "/join"])
def test_signed_out_pages_too(client, path):
    assert_strict_page(client.get(path))


def test_the_admin_runs_under_the_same_policy(settings):
    admin = Client()
    admin.force_login(verified_admin(settings))

    for path in ["/admin/", "/admin/users/user/", "/admin/musics/song/add/", "/admin/listening/syncjob/"]:
        response = admin.get(path)
        assert_strict_page(response)


def test_the_api_docs_have_no_inline_script_and_a_nonce_for_their_style(client):
    page = client.get("/api/docs/")

    assert_strict_page(page)
    assert any(source.startswith("'nonce-") for source in directives(page)["style-src-elem"])
    script_url = re.search(r'<script src="([^"]*script=[^"]*)"', page.content.decode()).group(1)
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


def test_forms_may_post_only_here_and_to_spotifys_sign_in(client, settings):
    policy = directives(client.get("/signin"))

    assert policy["form-action"] == ["'self'", "https://accounts.spotify.com"]


def test_permissions_policy_turns_off_powerful_features_and_allows_our_player(browser):
    for response in (browser.get("/library"), browser.get("/api/songs/")):
        policy = dict(item.split("=", 1) for item in response["Permissions-Policy"].split(", "))
        for feature in ("camera", "microphone", "geolocation", "payment", "usb", "display-capture"):
            assert policy[feature] == "()", feature
        assert policy["autoplay"] == "(self)"


def test_the_policy_is_built_once_not_on_every_response(client):
    """Each stream range request paid for django-csp rebuilding both headers from the settings."""
    from unittest import mock

    import csp.middleware

    import core.security_headers

    calls = []
    real = csp.utils.build_policy

    def counting(*args, **kwargs):
        calls.append(kwargs.get("report_only", False))
        return real(*args, **kwargs)

    core.security_headers._settings_policies.cache_clear()
    with (
        mock.patch.object(csp.middleware, "build_policy", counting),
        mock.patch.object(core.security_headers, "build_policy", counting),
    ):
        headers = {client.get("/signin")["Content-Security-Policy"] for _ in range(5)}
        api = [client.get("/api/songs/")["Content-Security-Policy"] for _ in range(5)]

    assert len(headers) == 1  # the same policy every time (the sign-in page asks for no nonce)
    assert set(api) == headers
    assert len(calls) <= 2, calls  # the policy and the report-only one, once


def test_a_changed_policy_setting_is_what_responses_get(client, settings):
    client.get("/api/songs/")  # the policy built from the settings as they were

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    settings.PERMISSIONS_POLICY = {"camera": []}
    response = client.get("/api/songs/")

    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["Permissions-Policy"] == "camera=()"


# --- Cache-Control ---------------------------------------------------------------------------------


def test_responses_with_credentials_or_private_data_are_never_stored(client, user, settings):
    song = make_song("Tune", "Band")
    api = client_for(user, "token")
    login = Client().post(
        "/api/auth/login/", {"email": user.email, "password": PASSWORD}, content_type="application/json"
    )
    refresh = login.json()["refresh"]
    registration = Client().post(
        "/api/auth/registration/",
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD, "full_name": "New"},
        content_type="application/json",
    )
    signed_in_page = Client()
    signed_in_page.force_login(user)

    answers = {
        "login": login,
        "registration": registration,
        "me": api.get("/api/auth/user/"),
        "vault": api.get("/users/api-keys/"),
        "signed stream link": api.get(f"/api/songs/{song.pk}/"),
        "listening history": api.get("/music/get-stored-songs/"),
        "signed-in page": signed_in_page.get("/history"),
        "sign-in page": client.get("/signin"),
        "error": api.get("/api/songs/999999/"),
    }
    answers["token refresh"] = Client().post(
        "/api/auth/token/refresh/", {"refresh": refresh}, content_type="application/json"
    )
    assert "stream_url" in answers["signed stream link"].json()
    for name, response in answers.items():
        assert response.status_code < 500, name
        assert "no-store" in response["Cache-Control"], (name, response.get("Cache-Control"))


def test_static_files_and_stream_bytes_keep_their_own_caching(client, user):
    song = make_song("Tune", "Band")
    api = client_for(user, "token")
    stream_url = api.get(f"/api/songs/{song.pk}/").json()["stream_url"]

    static = client.get("/static/web/app.js")
    stream = Client().get(stream_url, HTTP_RANGE="bytes=0-99")

    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")
    assert stream.status_code == 206
    assert stream["Cache-Control"] == "private"  # the catalog's audio, cached only by the listener's browser
