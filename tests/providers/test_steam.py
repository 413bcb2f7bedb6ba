"""The Steam client against the sandbox: player summaries, the HTML 403/400 answers, faults."""

from datetime import UTC, datetime

import pytest

from core.http import make_http_client
from providers.base import ProviderAuthError, ProviderBadResponse, ProviderNotFound, ProviderUnavailable
from providers.steam import SteamClient, html_text
from sandbox.services.steam import (
    PLAYERS,
    STEAM_API_KEY,
    STEAM_ID,
    STEAM_INVALID_API_KEY,
    STEAM_PRIVATE_ID,
    STEAM_UNKNOWN_ID,
)


def steam(sandbox, api_key: str = STEAM_API_KEY, **http_options) -> SteamClient:
    options = {"timeout": 0.3, "retries": 0} | http_options
    return SteamClient(sandbox.env["STEAM_API_URL"], api_key, client=make_http_client(**options))


def test_player_summaries_skip_unknown_ids(sandbox):
    players = steam(sandbox).player_summaries([STEAM_ID, STEAM_PRIVATE_ID, STEAM_UNKNOWN_ID])

    assert [player.steam_id for player in players] == [STEAM_ID, STEAM_PRIVATE_ID]
    public, private = players
    assert public.persona_name == "wiz"
    assert public.profile_url == "https://steamcommunity.com/id/wiz/"
    assert public.avatar_url == PLAYERS[STEAM_ID]["avatarfull"]
    assert public.is_public
    assert public.real_name == "Wiz Example"
    assert public.country_code == "SE"
    assert public.created_at == datetime.fromtimestamp(PLAYERS[STEAM_ID]["timecreated"], tz=UTC)
    assert not private.is_public
    assert (private.real_name, private.created_at) == (None, None)
    assert sandbox.calls("steam")[-1]["query"].endswith(
        f"steamids={STEAM_ID}%2C{STEAM_PRIVATE_ID}%2C{STEAM_UNKNOWN_ID}"
    )


def test_check_credentials_names_the_account(sandbox):
    check = steam(sandbox).check_credentials(STEAM_ID)

    assert check.account == STEAM_ID
    assert check.extra == {
        "persona_name": "wiz",
        "profile_url": "https://steamcommunity.com/id/wiz/",
        "visibility": "public",
    }


def test_an_unknown_steam_id_is_not_found(sandbox):
    with pytest.raises(ProviderNotFound) as caught:
        steam(sandbox).check_credentials(STEAM_UNKNOWN_ID)

    assert STEAM_UNKNOWN_ID in caught.value.message


def test_a_bad_key_is_the_403_html_page(sandbox):
    with pytest.raises(ProviderAuthError) as caught:
        steam(sandbox, STEAM_INVALID_API_KEY).check_credentials(STEAM_ID)

    assert caught.value.status == 403
    assert caught.value.message == (
        "Access is denied. Retrying will not help. Please verify your key= parameter."
    )


def test_a_missing_key_is_the_400_page(sandbox):
    with pytest.raises(ProviderAuthError) as caught:
        steam(sandbox, "").check_credentials(STEAM_ID)

    assert caught.value.status == 400
    assert caught.value.message == "Required parameter 'key' is missing"


def test_no_ids_is_a_programming_error(sandbox):
    with pytest.raises(ValueError, match="between 1 and 100"):
        steam(sandbox).player_summaries([])


def test_5xx_is_retried_by_the_shared_session_then_unavailable(sandbox):
    sandbox.fault("steam", status=503, count=3, message="Service Unavailable")

    with pytest.raises(ProviderUnavailable) as caught:
        steam(sandbox, timeout=2, retries=2, backoff_factor=0.01).check_credentials(STEAM_ID)

    assert caught.value.status == 503
    assert caught.value.message == "Service Unavailable"
    assert len(sandbox.calls("steam")) == 3


def test_a_hang_past_the_timeout_is_unavailable(sandbox):
    sandbox.fault("steam", kind="hang", delay=1.0)

    with pytest.raises(ProviderUnavailable):
        steam(sandbox).check_credentials(STEAM_ID)


def test_malformed_json_is_a_bad_response(sandbox):
    sandbox.fault("steam", kind="malformed")

    with pytest.raises(ProviderBadResponse):
        steam(sandbox).check_credentials(STEAM_ID)


def test_html_text_drops_the_heading_and_tags():
    page = (
        "<html><head><title>Forbidden</title></head>"
        "<body><h1>Forbidden</h1>No <pre>key=</pre> &amp; more</body></html>"
    )

    assert html_text(page) == "No key= & more"
