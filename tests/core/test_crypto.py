import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from core import crypto
from tests.factories import UserFactory
from tests.secrets_watch import secret
from users import vault
from users.models import UserApiKey


def test_round_trip_and_fresh_ciphertexts():
    first, second = crypto.encrypt("hello"), crypto.encrypt("hello")

    assert first != second  # a random IV each time
    assert crypto.decrypt(first) == crypto.decrypt(second) == "hello"
    assert crypto.decrypt_json(crypto.encrypt_json({"a": [1, "é"]})) == {"a": [1, "é"]}


def test_without_configured_keys_the_key_is_derived_from_secret_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    token = crypto.encrypt("x")

    assert Fernet(crypto.derive_key(settings.SECRET_KEY)).decrypt(token.encode()) == b"x"
    settings.SECRET_KEY = "a-different-secret-key-" + "z" * 40
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)


@pytest.mark.parametrize("tamper", ["flip", "truncate", "garbage"])
def test_a_tampered_ciphertext_raises_a_clear_error(tamper):
    token = crypto.encrypt("the secret")
    if tamper == "flip":
        middle = len(token) // 2
        token = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    elif tamper == "truncate":
        token = token[:-10]
    else:
        token = "not-a-token"

    with pytest.raises(crypto.DecryptionError, match="could not be decrypted"):
        crypto.decrypt(token)


def test_the_first_key_encrypts_and_every_key_decrypts(settings):
    old, new = crypto.generate_key(), crypto.generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    under_old = crypto.encrypt("v")

    settings.FIELD_ENCRYPTION_KEYS = [new, old]

    assert crypto.decrypt(under_old) == "v"
    assert not crypto.is_current(under_old)
    assert crypto.is_current(crypto.encrypt("v"))
    settings.FIELD_ENCRYPTION_KEYS = [new]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(under_old)


def test_a_malformed_configured_key_is_a_configuration_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["too-short"]

    with pytest.raises(ImproperlyConfigured, match="Fernet keys"):
        crypto.encrypt("x")


@pytest.mark.django_db
def test_rotation_moves_every_secret_to_the_new_key_and_can_run_again(settings):
    old, new = crypto.generate_key(), crypto.generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    keys = {}
    for _ in range(7):
        user = UserFactory()
        key = secret()
        row = vault.api_key_store(user=user, service_name="spotify", api_key=key, metadata={"refresh": key})
        keys[row.pk] = key
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    out = io.StringIO()

    call_command("rotate_encryption_keys", "--batch-size", "3", stdout=out)

    assert "users.UserApiKey: 7 rows re-encrypted (14 values)" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is gone: everything must still decrypt
    for row in UserApiKey.objects.all():
        assert row.get_key() == keys[row.pk]
        assert row.get_metadata() == {"refresh": keys[row.pk]}
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM users_userapikey")
        assert all(crypto.is_current(value) for (value,) in cursor.fetchall())

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    again = io.StringIO()
    call_command("rotate_encryption_keys", stdout=again)
    assert "users.UserApiKey: 0 rows re-encrypted" in again.getvalue()


@pytest.mark.django_db
def test_rotation_dry_run_changes_nothing(settings):
    old, new = crypto.generate_key(), crypto.generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    row = vault.api_key_store(user=UserFactory(), service_name="spotify", api_key=secret())
    settings.FIELD_ENCRYPTION_KEYS = [new, old]

    call_command("rotate_encryption_keys", "--dry-run", stdout=io.StringIO())

    row.refresh_from_db()
    assert not crypto.is_current(row.key)


@pytest.mark.django_db
def test_rotation_reports_values_it_cannot_read_and_keeps_going(settings):
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key()]
    good = vault.api_key_store(user=UserFactory(), service_name="spotify", api_key=secret())
    lost = vault.api_key_store(user=UserFactory(), service_name="spotify", api_key=secret())
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key()]
    UserApiKey.objects.filter(pk=good.pk).update(key=crypto.encrypt("readable"))
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key(), settings.FIELD_ENCRYPTION_KEYS[0]]

    with pytest.raises(CommandError, match="could not be decrypted"):
        call_command("rotate_encryption_keys", stdout=io.StringIO(), stderr=io.StringIO())

    assert UserApiKey.objects.get(pk=good.pk).get_key() == "readable"
    assert UserApiKey.objects.get(pk=lost.pk).key == lost.key
