"""Encryption of every secret MusicHub stores (API keys, OAuth tokens, client secrets).

Authenticated encryption with Fernet (AES-128-CBC + HMAC-SHA256) through `MultiFernet`:
- keys come from `FIELD_ENCRYPTION_KEYS` (a list: the first encrypts, every one decrypts, so a
  new key is added in front and `manage.py rotate_encryption_keys` moves the data over);
- when unset, one key is derived from `SECRET_KEY` with HKDF-SHA256.

A value that does not authenticate under any key raises `DecryptionError`; garbage is never
returned. Stored values live in `EncryptedTextField` columns, which hold ciphertext only: code
decrypts explicitly (`decrypt()`), so a plaintext secret is never sitting on a model instance.
"""

from __future__ import annotations

import base64
import functools
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

HKDF_INFO = b"musichub field encryption v1"
HKDF_SALT = b"musichub"


class DecryptionError(Exception):
    """The ciphertext was tampered with, truncated, or made under a key we no longer hold."""


def derive_key(secret: str) -> bytes:
    """A Fernet key derived from `secret` (Django's SECRET_KEY) with HKDF-SHA256."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT, info=HKDF_INFO).derive(secret.encode())
    return base64.urlsafe_b64encode(raw)


def generate_key() -> str:
    """A new random key for FIELD_ENCRYPTION_KEYS."""
    return Fernet.generate_key().decode()


@functools.lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...], secret_key: str) -> tuple[MultiFernet, Fernet]:
    if not keys:
        keys = (derive_key(secret_key).decode(),)
    try:
        fernets = [Fernet(key.encode() if isinstance(key, str) else key) for key in keys]
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must hold Fernet keys (32 url-safe base64 bytes); make one with "
            '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.'
        ) from exc
    return MultiFernet(fernets), fernets[0]


def _keys() -> tuple[MultiFernet, Fernet]:
    return _fernets(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt(plaintext: str) -> str:
    return _keys()[0].encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _keys()[0].decrypt(ciphertext.encode()).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise DecryptionError(
            "A stored secret could not be decrypted: it was altered, or was encrypted under a key "
            "that is no longer in FIELD_ENCRYPTION_KEYS."
        ) from exc


def encrypt_json(value: Any) -> str:
    return encrypt(json.dumps(value, separators=(",", ":")))


def decrypt_json(ciphertext: str) -> Any:
    return json.loads(decrypt(ciphertext)) if ciphertext else None


def is_current(ciphertext: str) -> bool:
    """True when the value is encrypted under the first (current) key."""
    try:
        _keys()[1].decrypt(ciphertext.encode())
    except InvalidToken:
        return False
    return True


def rotate(ciphertext: str) -> str:
    """The same secret, re-encrypted under the first key."""
    try:
        return _keys()[0].rotate(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError("A stored secret could not be decrypted with any configured key.") from exc


class EncryptedTextField(models.TextField):
    """A column that holds only ciphertext made by this module (empty string: no value).

    It does not decrypt on load: callers decrypt when they need the secret. `rotate_encryption_keys`
    finds every field of this class and re-encrypts it.
    """

    description = "Encrypted text (Fernet ciphertext)"


class EncryptedSecretField(models.TextField):
    """A secret that code reads and writes in plain text, stored as ciphertext.

    For models whose secrets are part of a documented interface (seed 000: `credential.client_secret`,
    `create_platform_credential(client_secret=…)`). The plaintext lives only on the model instance;
    forms must render it write-only. Empty stays empty. `rotate_encryption_keys` re-encrypts it.
    """

    description = "Secret text, encrypted at rest"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)
