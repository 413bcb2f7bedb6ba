"""Seed 000's models and `credentials.utils`, as its examples use them."""

import pytest
from django.db import IntegrityError, connection, transaction

from credentials import utils
from credentials.models import SpotifyCredential, YouTubeMusicCredential
from musics.models import Platform
from tests.credentials.conftest import VALID_CREDENTIALS

pytestmark = pytest.mark.django_db


def test_create_platform_credential_as_the_seed_shows():
    spotify = utils.create_platform_credential(
        platform_name="spotify",
        client_id="your_client_id",
        client_secret="your_client_secret",
        redirect_uri="http://localhost:8000/oauth/callback/",
        scopes="user-read-private user-read-email playlist-read-private",
        description="Production Spotify credentials",
    )
    youtube = utils.create_platform_credential(
        platform_name="youtube_music", api_key="your_api_key", description="YouTube Music API key"
    )

    assert isinstance(spotify, SpotifyCredential)
    assert spotify.name == "spotify"
    assert spotify.is_active
    assert SpotifyCredential.objects.get().client_secret == "your_client_secret"
    assert isinstance(youtube, YouTubeMusicCredential)
    assert utils.get_active_credential_for_platform("spotify") == spotify
    assert YouTubeMusicCredential.get_active_credential("youtube_music") == youtube


@pytest.mark.parametrize("platform", sorted(VALID_CREDENTIALS))
def test_every_platform_can_be_created_and_found(platform):
    credential = utils.create_platform_credential(platform_name=platform, **VALID_CREDENTIALS[platform])

    assert utils.get_credential_model_for_platform(platform) is type(credential)
    assert utils.get_all_active_credentials()[platform] == credential


def test_secrets_are_encrypted_in_the_database():
    utils.create_platform_credential(
        platform_name="spotify", client_id="cid", client_secret="s3cret-client", access_token="tok-access-123"
    )

    with connection.cursor() as cursor:
        cursor.execute("SELECT client_id, client_secret, access_token FROM credentials_spotifycredential")
        client_id, client_secret, access_token = cursor.fetchone()

    assert client_id == "cid"
    assert "s3cret" not in client_secret
    assert client_secret.startswith("gAAAAA")
    assert "tok-access" not in access_token


def test_one_active_credential_per_platform():
    first = utils.create_platform_credential(platform_name="youtube_music", api_key="a")
    second = utils.create_platform_credential(platform_name="youtube_music", api_key="b")

    first.refresh_from_db()
    assert not first.is_active
    assert second.is_active
    first.is_active = True
    first.save()
    second.refresh_from_db()
    assert not second.is_active
    with pytest.raises(IntegrityError), transaction.atomic():
        YouTubeMusicCredential.objects.filter(pk=second.pk).update(is_active=True)


def test_unknown_platforms_and_fields_are_refused():
    with pytest.raises(ValueError, match="Unknown platform 'myspace'"):
        utils.create_platform_credential(platform_name="myspace", api_key="x")
    with pytest.raises(ValueError, match="no field"):
        utils.create_platform_credential(platform_name="youtube_music", api_key="x", colour="blue")
    assert utils.get_active_credential_for_platform("myspace") is None


def test_platform_points_at_a_credential_through_a_generic_foreign_key():
    platform, created = Platform.objects.get_or_create(
        name="spotify", defaults={"link": "https://open.spotify.com"}
    )
    spotify = utils.create_platform_credential(platform_name="spotify", client_id="cid", client_secret="s")

    platform.credential = utils.get_active_credential_for_platform("spotify")
    platform.save()

    platform = Platform.objects.get(name="spotify")
    assert created
    assert platform.credential == spotify
    assert platform.credential.client_id == "cid"
    content_type = utils.get_credential_content_type(spotify)
    assert platform.content_type == content_type
    assert utils.get_credential_from_content_type(content_type, spotify.pk) == spotify
    assert utils.get_credential_from_content_type(content_type, 999) is None


def test_token_info_never_holds_the_tokens():
    spotify = utils.create_platform_credential(
        platform_name="spotify",
        client_id="c",
        client_secret="s",
        access_token="AT-123",
        refresh_token="RT-456",
    )

    info = spotify.get_token_info()

    assert info["has_access_token"] is True
    assert info["has_refresh_token"] is True
    assert "AT-123" not in str(info)
    assert "RT-456" not in str(info)
    assert spotify.is_token_expired() is False  # no expiry known: assumed valid until Spotify says otherwise
