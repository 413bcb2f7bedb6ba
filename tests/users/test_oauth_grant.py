"""users.oauth_grant.OAuthGrant: the one reader and writer of what an OAuth key keeps beside its token."""

from datetime import UTC, datetime, timedelta

from users.oauth_grant import OAuthGrant

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

# As the connection flow has stored it since seed 002 (the rows already in databases).
STORED = {
    "source": "oauth",
    "client_id": "app-1",
    "refresh_token": "r-1",
    "expires_at": "2026-03-01T13:00:00+00:00",
    "scopes": ["user-read-recently-played"],
    "connected_at": "2026-03-01T12:00:00+00:00",
}


def test_stored_metadata_reads_and_writes_back_the_same():
    grant = OAuthGrant.from_metadata(STORED)

    assert grant.expires_at == NOW + timedelta(hours=1)
    assert grant.scopes == ("user-read-recently-played",)
    assert grant.renews
    assert not grant.needs_reconnect
    assert grant.as_metadata() == STORED


def test_a_pasted_key_has_the_defaults():
    grant = OAuthGrant.from_metadata({})

    assert (grant.source, grant.renews, grant.expires_at) == ("key", False, None)
    assert grant.state(now=NOW) == "connected"
    assert grant.as_metadata() == {"source": "key", "scopes": []}


def test_state_and_expiry():
    grant = OAuthGrant.from_metadata(STORED)

    assert grant.expires_within(timedelta(seconds=60), now=NOW + timedelta(minutes=59, seconds=30))
    assert not grant.expires_within(timedelta(seconds=60), now=NOW)
    assert grant.state(now=NOW + timedelta(hours=2)) == "connected"  # it renews itself
    pasted = OAuthGrant(expires_at=NOW)
    assert pasted.state(now=NOW + timedelta(seconds=1)) == "expired"
    assert OAuthGrant(needs_reconnect=True).state(now=NOW) == "needs_reconnect"
    assert OAuthGrant(needs_reconnect=True).as_metadata()["needs_reconnect"] is True


def test_a_refresh_keeps_the_refresh_token_unless_a_new_one_came():
    grant = OAuthGrant.from_metadata(STORED)
    later = NOW + timedelta(hours=1)

    kept = grant.refreshed(refresh_token=None, expires_at=later, scopes=(), now=NOW)
    rotated = grant.refreshed(refresh_token="r-2", expires_at=later, scopes=("a",), now=NOW)

    assert (kept.refresh_token, kept.scopes, kept.refreshed_at) == ("r-1", grant.scopes, NOW)
    assert (rotated.refresh_token, rotated.scopes) == ("r-2", ("a",))
