"""A database dump must not let anyone act as a user: after signing in, refreshing, signing out and
blacklisting, no table holds a DRF key, an access JWT or a refresh JWT (nor a JWT's signature), and
no admin page shows one; the credentials themselves keep working."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/auth/user/"


def sign_in(user) -> dict:
    response = APIClient().post(
        "/api/auth/login/", {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def secrets_of(credentials: list[str]) -> list[str]:
    """What would let a dump holder act: each whole credential, a key without its shown prefix, and
    each JWT's signature (with it, the header and claims can be rebuilt from what is stored)."""
    found = []
    for text in credentials:
        found.append(text)
        if text.count(".") == 2:
            found.append(text.rsplit(".", 1)[1])
        else:
            found.append(text[8:])
    return found


def whole_database_text() -> str:
    """Every row of every table, as a dump would have it."""
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608  (names from the database)
            rows.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(rows)


def admin_pages(browser: Client) -> dict[str, str]:
    """Every change list and change page of the account and token models registered in the admin."""
    pages = {}
    for model in admin.site._registry:
        opts = model._meta
        if opts.app_label not in {"users", "authtoken", "token_blacklist"} or opts.model_name == "userapikey":
            continue
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = browser.get(changelist)
        assert response.status_code == 200, changelist
        pages[changelist] = response.content.decode()
        for obj in model._default_manager.all()[:50]:
            try:
                url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            except NoReverseMatch:
                continue
            response = browser.get(url)
            assert response.status_code == 200, url
            pages[url] = response.content.decode()
    return pages


def sign_in_refresh_and_sign_out() -> tuple[dict, dict, list[str]]:
    """One user signs in and refreshes (rotation); another signs in and out (blacklisting): every
    way simplejwt and the token model write a row. Returns the first user's live credentials."""
    first = sign_in(UserFactory())
    rotated = APIClient().post("/api/auth/token/refresh/", {"refresh": first["refresh"]}, format="json")
    assert rotated.status_code == 200
    rotated = rotated.json()
    leaving = sign_in(UserFactory())
    signing_out = APIClient()
    signing_out.credentials(HTTP_AUTHORIZATION=f"Token {leaving['key']}")
    response = signing_out.post("/api/auth/logout/", {"refresh": leaving["refresh"]}, format="json")
    assert response.status_code == 200
    issued = [first[name] for name in ("key", "access", "refresh")]
    issued += [rotated["access"], rotated["refresh"]]
    issued += [leaving[name] for name in ("key", "access", "refresh")]
    return first, rotated, issued


def test_no_table_holds_a_credential_that_could_be_replayed():
    first, rotated, issued = sign_in_refresh_and_sign_out()

    dump = whole_database_text()
    leaked = [secret for secret in secrets_of(issued) if secret in dump]

    assert not leaked, f"{len(leaked)} credentials are readable in the database"
    # ...while the live ones still work.
    assert APIClient().get(ME, HTTP_AUTHORIZATION=f"Token {first['key']}").status_code == 200
    assert APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {rotated['access']}").status_code == 200
    again = APIClient().post("/api/auth/token/refresh/", {"refresh": rotated["refresh"]}, format="json")
    assert again.status_code == 200


def test_no_admin_page_shows_a_credential():
    _, _, issued = sign_in_refresh_and_sign_out()
    superuser = UserFactory(is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(superuser)

    pages = admin_pages(browser)
    shown = [url for url, html in pages.items() for secret in secrets_of(issued) if secret in html]

    assert len(pages) >= 6  # the token lists and their change pages were really looked at
    assert not shown, f"the admin shows credentials on {sorted(set(shown))}"


def test_a_refresh_token_blacklisted_before_it_was_recorded_leaves_no_text():
    """simplejwt's third way of writing an OutstandingToken (blacklist() of a token it has not seen)."""
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    user = UserFactory()
    refresh = sign_in(user)["refresh"]
    OutstandingToken.objects.all().delete()

    response = APIClient().post("/api/auth/logout/", {"refresh": refresh}, format="json")

    assert response.status_code == 200
    assert OutstandingToken.objects.filter(blacklistedtoken__isnull=False).count() == 1
    assert refresh.rsplit(".", 1)[1] not in whole_database_text()
