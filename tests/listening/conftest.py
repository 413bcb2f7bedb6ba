import pytest
from django.utils import timezone

from sandbox.services import lastfm as lastfm_sandbox
from sandbox.services import spotify as spotify_sandbox
from tests.secrets_watch import watch
from users import vault


def connect_spotify(sandbox, user, spotify_user: str = spotify_sandbox.PREMIUM_USER) -> str:
    """The user's Spotify, connected as OAuth leaves it (tokens in the vault)."""
    tokens = sandbox.admin("spotify", "issue_token", user=spotify_user)
    expires_at = timezone.now() + timezone.timedelta(seconds=tokens["expires_in"])
    vault.api_key_store(
        user=user,
        service_name="spotify",
        api_key=watch(tokens["access_token"]),
        service_user_id=spotify_user,
        metadata={
            "source": "oauth",
            "client_id": spotify_sandbox.CLIENT_ID,
            "refresh_token": watch(tokens["refresh_token"]),
            "expires_at": expires_at.isoformat(),
            "scopes": [],
        },
    )
    return tokens["access_token"]


def connect_lastfm(
    user, username: str = lastfm_sandbox.USER, key: str = lastfm_sandbox.VALID_API_KEY
) -> None:
    vault.api_key_create(user=user, service_name="lastfm", api_key=watch(key), service_user_id=username)


@pytest.fixture(autouse=True)
def _waits_take_no_time(request):
    """Rate limits, Retry-After and backoff are waited out on a fake clock: asserted, never slept. A test
    marked `real_clock` waits for real (it checks the pace a server saw)."""
    if request.node.get_closest_marker("real_clock") is None:
        request.getfixturevalue("fake_clock")


@pytest.fixture
def auth_client(user):
    """One scheme is enough here (both are tested with the accounts); syncs are slow to run twice."""
    from tests.conftest import client_for

    return client_for(user, "token")


@pytest.fixture
def spotify_user(sandbox, user):
    connect_spotify(sandbox, user)
    return user


@pytest.fixture
def lastfm_user(sandbox, user):
    connect_lastfm(user)
    return user
