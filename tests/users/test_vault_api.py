import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.conftest import client_for
from tests.factories import UserFactory
from tests.secrets_watch import secret
from users import vault
from users.models import UserApiKey

pytestmark = pytest.mark.django_db

URL = "/users/api-keys/"
SEED_SHAPE = {"id", "service_name", "service_user_id", "created_at", "updated_at"}


def create(client: APIClient, **body):
    return client.post(URL, body, format="json")


def test_create_answers_the_seed_shape_without_the_key(auth_client, user):
    key = secret("BQC4")

    response = create(auth_client, service_name="spotify", api_key=key, service_user_id=None)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= SEED_SHAPE
    assert body["service_name"] == "spotify"
    assert body["service_user_id"] is None
    assert key not in response.content.decode()
    assert "api_key" not in body
    assert "key" not in body
    assert UserApiKey.objects.get(user=user).get_key() == key


def test_list_shows_every_key_of_mine_and_never_a_key(auth_client, user):
    keys = [secret(), secret()]
    create(auth_client, service_name="spotify", api_key=keys[0])
    create(auth_client, service_name="lastfm", api_key=keys[1], service_user_id="username")

    response = auth_client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list)
    assert [row["service_name"] for row in body] == ["lastfm", "spotify"]
    assert body[0]["service_user_id"] == "username"
    assert all(set(row) >= SEED_SHAPE for row in body)
    for key in keys:
        assert key not in response.content.decode()


def test_services_lists_my_service_names(auth_client):
    for name in ("spotify", "lastfm", "trakt_client_id", "trakt_client_secret"):
        create(auth_client, service_name=name, api_key=secret())

    response = auth_client.get(URL + "services/")

    assert response.status_code == 200
    assert sorted(response.json()) == sorted(["spotify", "lastfm", "trakt_client_id", "trakt_client_secret"])


def test_update_with_put_replaces_the_key(auth_client, user):
    row_id = create(auth_client, service_name="spotify", api_key=secret()).json()["id"]
    new_key = secret()

    response = auth_client.put(
        f"{URL}{row_id}/",
        {"service_name": "spotify", "api_key": new_key, "service_user_id": None},
        format="json",
    )

    assert response.status_code == 200
    assert new_key not in response.content.decode()
    assert UserApiKey.objects.get(pk=row_id).get_key() == new_key


def test_patch_changes_only_what_is_given(auth_client):
    key = secret()
    row_id = create(auth_client, service_name="lastfm", api_key=key).json()["id"]

    response = auth_client.patch(f"{URL}{row_id}/", {"service_user_id": "rj"}, format="json")

    assert response.status_code == 200
    assert response.json()["service_user_id"] == "rj"
    assert UserApiKey.objects.get(pk=row_id).get_key() == key


def test_get_one_and_delete(auth_client):
    row_id = create(auth_client, service_name="steam", api_key=secret(), service_user_id="7656").json()["id"]

    assert auth_client.get(f"{URL}{row_id}/").json()["service_user_id"] == "7656"
    response = auth_client.delete(f"{URL}{row_id}/")

    assert response.status_code == 204
    assert not UserApiKey.objects.exists()
    assert auth_client.get(f"{URL}{row_id}/").status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"api_key": "x"}, "service_name", "Service name is required"),
        ({"service_name": "", "api_key": "x"}, "service_name", "Service name is required"),
        ({"service_name": "spotify"}, "api_key", "API key is required"),
        ({"service_name": "spotify", "api_key": ""}, "api_key", "API key is required"),
        ({"service_name": "spotify", "api_key": None}, "api_key", "API key is required"),
    ],
)
def test_seed_error_messages(auth_client, body, field, message):
    response = auth_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()[field] == [message]
    assert not UserApiKey.objects.exists()


def test_duplicate_service_is_refused_with_the_seeds_message(auth_client):
    create(auth_client, service_name="spotify", api_key=secret())

    response = create(auth_client, service_name="spotify", api_key=secret())

    assert response.status_code == 400
    assert response.json()["service_name"] == ["API key with this service name already exists"]
    assert UserApiKey.objects.count() == 1


def test_renaming_onto_an_existing_service_is_refused(auth_client):
    create(auth_client, service_name="spotify", api_key=secret())
    row_id = create(auth_client, service_name="lastfm", api_key=secret()).json()["id"]

    response = auth_client.patch(f"{URL}{row_id}/", {"service_name": "spotify"}, format="json")

    assert response.status_code == 400
    assert response.json()["service_name"] == ["API key with this service name already exists"]


def test_unknown_service_names_the_supported_ones(auth_client):
    response = create(auth_client, service_name="myspace", api_key=secret())

    assert response.status_code == 400
    message = response.json()["service_name"][0]
    assert "myspace" in message
    for name in (
        "spotify",
        "lastfm",
        "trakt_client_id",
        "steam",
        "psn",
        "xbox",
        "retroachievements",
        "youtube_music",
    ):
        assert name in message


def test_supported_services_are_listed(auth_client):
    body = auth_client.get(URL + "supported/").json()

    names = {row["name"] for row in body}
    assert {"spotify", "lastfm", "trakt_client_id", "trakt_client_secret", "steam", "psn", "xbox"} <= names
    assert {"retroachievements", "youtube_music", "deezer", "apple_music", "tidal", "amazon_music"} <= names


def test_verify_says_valid_when_a_key_is_stored(auth_client):
    create(auth_client, service_name="spotify", api_key=secret())

    response = auth_client.post(URL + "verify/", {"service_name": "spotify"}, format="json")

    assert response.status_code == 200
    assert response.json() == {"status": "valid"}


def test_verify_without_a_key_is_404_naming_the_service(auth_client):
    response = auth_client.post(URL + "verify/", {"service_name": "lastfm"}, format="json")

    assert response.status_code == 404
    assert response.json()["detail"] == "No Last.fm API key found"


def test_every_endpoint_needs_authentication(api_client):
    assert api_client.get(URL).status_code == 401
    assert api_client.post(URL, {"service_name": "spotify", "api_key": "x"}, format="json").status_code == 401
    assert (
        api_client.get(URL + "services/").json()["detail"] == "Authentication credentials were not provided."
    )


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_another_users_key_is_not_found(method):
    owner, intruder = UserFactory(), UserFactory()
    row = vault.api_key_create(user=owner, service_name="spotify", api_key=secret())
    client = client_for(intruder, "jwt")

    response = getattr(client, method)(
        f"{URL}{row.id}/", {"service_name": "spotify", "api_key": secret()}, format="json"
    )

    assert response.status_code == 404
    assert response.json()["detail"] == "Not found."
    assert UserApiKey.objects.get(pk=row.id).get_key() == row.get_key()
    assert client.get(URL).json() == []
    assert client.get(URL + "services/").json() == []


def test_the_database_row_holds_no_plaintext(auth_client, user):
    key = secret("BQC4")
    create(auth_client, service_name="spotify", api_key=key)
    vault.api_key_store(user=user, service_name="lastfm", api_key=secret(), metadata={"refresh_token": key})

    with connection.cursor() as cursor:
        cursor.execute("SELECT key, metadata, key_hint FROM users_userapikey")
        rows = cursor.fetchall()

    assert len(rows) == 2
    for stored_key, metadata, hint in rows:
        assert key not in stored_key
        assert key not in metadata
        assert stored_key.startswith("gAAAAA")  # a Fernet token
        assert len(hint) <= 4


def test_api_key_get_returns_the_decrypted_key_and_metadata(user):
    key = secret()
    vault.api_key_store(
        user=user, service_name="spotify", api_key=key, metadata={"refresh_token": "r", "scope": ["a"]}
    )

    stored = vault.api_key_get(user=user, service="spotify")

    assert stored.key == key
    assert stored.metadata == {"refresh_token": "r", "scope": ["a"]}
    assert key not in repr(stored)


@pytest.mark.parametrize(
    ("service", "message"), [("spotify", "No Spotify API key found"), ("lastfm", "No Last.fm API key found")]
)
def test_api_key_get_raises_the_seeds_errors(user, service, message):
    with pytest.raises(vault.ApiKeyMissing) as caught:
        vault.api_key_get(user=user, service=service)

    assert caught.value.message == message
    assert caught.value.status == 400
