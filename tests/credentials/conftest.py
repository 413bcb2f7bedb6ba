import pytest
from django.test import Client

from sandbox.services import amazon_music as amazon
from sandbox.services import apple_music, deezer, spotify, tidal, youtube
from tests.factories import UserFactory

VALID_CREDENTIALS = {
    "spotify": {"client_id": spotify.CLIENT_ID, "client_secret": spotify.CLIENT_SECRET},
    "youtube_music": {"api_key": youtube.YOUTUBE_VALID_KEY},
    "amazon_music": {
        "client_id": amazon.AMAZON_CLIENT_ID,
        "client_secret": amazon.AMAZON_CLIENT_SECRET,
        "access_token": amazon.AMAZON_ACCESS_TOKEN,
    },
    "apple_music": {
        "team_id": apple_music.APPLE_TEAM_ID,
        "key_id": apple_music.APPLE_KEY_ID,
        "private_key": apple_music.APPLE_PRIVATE_KEY_PEM,
    },
    "deezer": {
        "app_id": deezer.DEEZER_APP_ID,
        "secret": deezer.DEEZER_APP_SECRET,
        "access_token": deezer.DEEZER_ACCESS_TOKEN,
    },
    "tidal": {"client_id": tidal.TIDAL_CLIENT_ID, "client_secret": tidal.TIDAL_CLIENT_SECRET},
}


@pytest.fixture
def admin_browser(db) -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client
