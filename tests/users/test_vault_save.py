"""users.vault.api_key_save: the key form's rule (add, replace the key and/or the user id, or say what
is missing)."""

import pytest

from core.errors import InvalidInput
from tests.factories import UserFactory
from users import vault
from users.vault_registry import vault_service

pytestmark = pytest.mark.django_db

LASTFM = vault_service("lastfm")


def test_add_then_replace_the_key_then_the_user_id():
    user = UserFactory()

    added = vault.api_key_save(user=user, service=LASTFM, api_key="k" * 32, service_user_id="ann")
    key = vault.api_key_save(user=user, service=LASTFM, api_key="n" * 32, service_user_id="ann")
    name = vault.api_key_save(user=user, service=LASTFM, api_key="", service_user_id="bob")

    assert (added.replaced, key.replaced, name.replaced) == (None, "key", "service_user_id")
    stored = vault.api_key_get(user=user, service="lastfm")
    assert (stored.key, stored.service_user_id) == ("n" * 32, "bob")


@pytest.mark.parametrize("first", [True, False])
def test_nothing_to_save_names_the_key_field(first):
    user = UserFactory()
    if not first:
        vault.api_key_save(user=user, service=LASTFM, api_key="k" * 32, service_user_id="ann")

    with pytest.raises(InvalidInput) as refused:
        vault.api_key_save(user=user, service=LASTFM, api_key="", service_user_id="ann")

    assert refused.value.field == "api_key"
