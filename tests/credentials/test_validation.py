"""`validate_credentials()` for every platform, against the sandbox."""

import pytest

from credentials import utils
from sandbox.services import amazon_music as amazon
from sandbox.services import apple_music, deezer, tidal, youtube
from tests.credentials.conftest import VALID_CREDENTIALS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("platform", sorted(VALID_CREDENTIALS))
def test_valid_credentials_validate_and_are_recorded(sandbox, platform):
    credential = utils.create_platform_credential(platform_name=platform, **VALID_CREDENTIALS[platform])

    assert credential.validate_credentials() is True

    credential.refresh_from_db()
    assert credential.last_validated is not None
    assert credential.validation_error == ""
    assert credential.validation_status == "valid"


INVALID = {
    "spotify": ({"client_id": "sandbox-spotify-client", "client_secret": "wrong"}, "invalid"),
    "youtube_music": ({"api_key": youtube.YOUTUBE_INVALID_KEY}, "API key not valid"),
    "amazon_music": (
        {
            "client_id": amazon.AMAZON_CLIENT_ID,
            "client_secret": amazon.AMAZON_CLIENT_SECRET,
            "access_token": "Atza|nope",
        },
        "",
    ),
    "apple_music": (
        {
            "team_id": "WRONGTEAM1",
            "key_id": apple_music.APPLE_KEY_ID,
            "private_key": apple_music.APPLE_PRIVATE_KEY_PEM,
        },
        "Invalid credentials",
    ),
    "deezer": ({"app_id": deezer.DEEZER_APP_ID, "secret": "x", "access_token": "not-a-token"}, "OAuth"),
    "tidal": ({"client_id": tidal.TIDAL_CLIENT_ID, "client_secret": "wrong"}, "Invalid credentials"),
}


@pytest.mark.parametrize("platform", sorted(INVALID))
def test_refused_credentials_are_invalid_with_the_reason_recorded(sandbox, platform):
    fields, message_part = INVALID[platform]
    credential = utils.create_platform_credential(platform_name=platform, **fields)

    assert credential.validate_credentials() is False

    credential.refresh_from_db()
    assert credential.validation_status == "invalid"
    assert message_part.lower() in credential.validation_error.lower()
    assert credential.last_validated is not None


@pytest.mark.parametrize(
    ("key", "message_part"),
    [
        ("", "Api key is required"),
        (youtube.YOUTUBE_QUOTA_SPENT_KEY, "Quota exceeded"),
        (youtube.YOUTUBE_LEGACY_INVALID_KEY, "Invalid credentials"),
        (youtube.YOUTUBE_DISABLED_KEY, "YouTube Data API has not been used"),
    ],
)
def test_youtube_follows_the_seeds_four_steps(sandbox, key, message_part):
    credential = utils.create_platform_credential(platform_name="youtube_music", api_key=key)

    assert credential.validate_credentials() is False

    credential.refresh_from_db()
    assert message_part.lower() in credential.validation_error.lower()


def test_a_provider_that_is_down_is_reported_as_such(sandbox):
    credential = utils.create_platform_credential(
        platform_name="youtube_music", **VALID_CREDENTIALS["youtube_music"]
    )
    sandbox.fault("youtube", status=503, count=5)

    assert credential.validate_credentials() is False
    credential.refresh_from_db()
    assert "unavailable" in credential.validation_error


def test_validate_platform_credential_checks_without_storing(sandbox):
    good = utils.validate_platform_credential("youtube_music", api_key=youtube.YOUTUBE_VALID_KEY)
    bad = utils.validate_platform_credential("tidal", client_id=tidal.TIDAL_CLIENT_ID, client_secret="nope")
    unknown = utils.validate_platform_credential("spotify", colour="blue")

    assert good == {"valid": True, "error": None}
    assert bad["valid"] is False
    assert bad["error"]
    assert unknown["valid"] is False
    assert "colour" in unknown["error"]
    assert not utils.get_all_active_credentials()
