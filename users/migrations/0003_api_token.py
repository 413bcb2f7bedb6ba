"""DRF tokens become users.ApiToken (a digest of the key, never the key), and simplejwt's outstanding
refresh JWTs lose their text (the `jti` stays for the blacklist).

Existing rest_framework.authtoken keys are carried over as digests, so signed-in clients keep working,
then the old table (no longer an installed app) is dropped with its migration records.
"""

import datetime
import hashlib

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.utils.crypto import salted_hmac
from django.utils.dateparse import parse_datetime

OLD_TABLE = "authtoken_token"


def _fingerprint(password_hash: str) -> str:
    """users.tokens.password_fingerprint as it is when this migration is written."""
    return salted_hmac(
        "users.tokens.password_fingerprint", password_hash or "", algorithm="sha256"
    ).hexdigest()[:32]


def _aware(value):
    if isinstance(value, str):  # SQLite's raw cursor gives text
        value = parse_datetime(value)
    if value is None:
        return django.utils.timezone.now()
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value


def move_authtoken_keys(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if OLD_TABLE not in connection.introspection.table_names(cursor):
            return
        key = schema_editor.quote_name("key")
        cursor.execute(f"SELECT {key}, user_id, created FROM {OLD_TABLE}")  # noqa: S608  (constants)
        rows = cursor.fetchall()
    ApiToken = apps.get_model("users", "ApiToken")
    User = apps.get_model("users", "User")
    passwords = dict(User.objects.filter(pk__in={row[1] for row in rows}).values_list("pk", "password"))
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                user_id=user_id,
                digest=hashlib.sha256(key.encode()).hexdigest(),
                prefix=key[:8],
                fingerprint=_fingerprint(passwords[user_id]),
                created=_aware(created),
            )
            for key, user_id, created in rows
            if user_id in passwords
        ],
        batch_size=1000,
    )
    schema_editor.execute(schema_editor.sql_delete_table % {"table": schema_editor.quote_name(OLD_TABLE)})
    schema_editor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


def blank_outstanding_token_text(apps, schema_editor):
    OutstandingToken = apps.get_model("token_blacklist", "OutstandingToken")
    OutstandingToken.objects.exclude(token="").update(token="")


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0002_user_api_key"),
        ("token_blacklist", "0013_alter_blacklistedtoken_options_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "digest",
                    models.CharField(help_text="SHA-256 of the key (hex).", max_length=64, unique=True),
                ),
                (
                    "prefix",
                    models.CharField(help_text="The key's first characters, for humans.", max_length=8),
                ),
                (
                    "fingerprint",
                    models.CharField(help_text="Fingerprint of the password at issue.", max_length=64),
                ),
                ("created", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_tokens",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "API token",
                "ordering": ["-created"],
            },
        ),
        # Irreversible in substance: a digest cannot give the key back (reversing only drops the table).
        migrations.RunPython(move_authtoken_keys, migrations.RunPython.noop),
        migrations.RunPython(blank_outstanding_token_text, migrations.RunPython.noop),
    ]
