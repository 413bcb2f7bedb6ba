"""Upgrading: the keys in rest_framework.authtoken's table become digests, keep signing their users
in, and the table with the clear keys is gone; refresh JWT texts already stored are blanked."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from tests.factories import UserFactory
from users.models import ApiToken

migration = importlib.import_module("users.migrations.0003_api_token")

OLD_KEY = "0123456789abcdef0123456789abcdef01234567"


def old_authtoken_table_with(user) -> None:
    """The table as rest_framework.authtoken left it (the app is no longer installed)."""
    key = connection.ops.quote_name("key")
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {migration.OLD_TABLE} ({key} varchar(40) PRIMARY KEY, "
            "created timestamp with time zone NOT NULL, user_id bigint NOT NULL)"
        )
        cursor.execute(
            f"INSERT INTO {migration.OLD_TABLE} VALUES (%s, %s, %s)",  # noqa: S608  (a constant)
            [OLD_KEY, timezone.now(), user.pk],
        )


@pytest.mark.django_db(transaction=True)  # the migration drops a table: SQLite wants no open transaction
def test_old_keys_become_digests_that_still_sign_in_and_the_old_table_goes():
    user = UserFactory()
    old_authtoken_table_with(user)

    with connection.schema_editor() as schema_editor:
        migration.move_authtoken_keys(apps, schema_editor)

    token = ApiToken.objects.get(user=user)
    assert token.digest == ApiToken.digest_of(OLD_KEY)
    assert token.prefix == OLD_KEY[:8]
    with connection.cursor() as cursor:
        assert migration.OLD_TABLE not in connection.introspection.table_names(cursor)
    response = APIClient().get("/api/auth/user/", HTTP_AUTHORIZATION=f"Token {OLD_KEY}")
    assert response.status_code == 200
    assert response.json()["id"] == user.pk


@pytest.mark.django_db
def test_a_database_without_the_old_table_is_left_alone():
    migration.move_authtoken_keys(apps, SimpleNamespace(connection=connection))

    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_stored_refresh_jwt_texts_are_blanked():
    user = UserFactory()
    OutstandingToken.objects.create(user=user, jti="a" * 32, token="x", expires_at=timezone.now())
    OutstandingToken.objects.filter(jti="a" * 32).update(token="header.claims.signature")  # as before

    migration.blank_outstanding_token_text(apps, None)

    assert OutstandingToken.objects.get(jti="a" * 32).token == ""
