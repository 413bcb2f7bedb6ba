"""Fake Spotify: the Accounts service (OAuth) and the Web API calls MusicHub makes.

Mounts:
- `/spotify-accounts` (channel `spotify-accounts`) stands in for `https://accounts.spotify.com`:
  `GET /authorize` (an HTML consent page), `POST /authorize/decision` (the page's form), `POST /api/token`.
- `/spotify-api/v1` (channel `spotify-api`) stands in for `https://api.spotify.com/v1`: `GET /me`,
  `GET /me/player/recently-played`, `GET /me/player/currently-playing`, `GET /me/player`,
  `PUT /me/player/pause`, `PUT /me/player/play`, `POST /me/player/next`.

The seeded app: client id `CLIENT_ID` = "sandbox-spotify-client", secret `CLIENT_SECRET` =
"sandbox-spotify-secret" (set as SPOTIFY_CLIENT_ID / SPOTIFY_CLIENT_SECRET by the sandbox env). Redirect URIs:
any HTTPS URI, or a loopback IP literal on any port (`http://127.0.0.1:<port>/…`, `http://[::1]:<port>/…`);
`localhost` and other plain-HTTP hosts are refused with an error page, as Spotify does. The `config` admin
action can restrict them to a registered list (`redirect_uris`).

Seeded accounts (`ACCOUNTS`; ids are Spotify user ids):
- `wizzler` (PREMIUM_USER): Premium, an active computer playing a track, a queue, 60 plays of history
  (only the newest 50 reachable through recently-played), plus an idle phone.
- `freeloader` (FREE_USER): free account (`product: "free"`) playing on a phone; player commands answer
  403 PREMIUM_REQUIRED.
- `idle-ida` (IDLE_USER): Premium with a registered but inactive speaker (`IDLE_DEVICE_ID`) and no history:
  `/me/player` and `/currently-playing` answer 204; commands answer 404 NO_ACTIVE_DEVICE unless they name
  the speaker with `device_id`, which wakes it.
- `devmode-dan` (DEV_MODE_USER): a development-mode answer to `/me` with no email, country, product,
  explicit_content or followers; his active device has a null id and volume, and is paused.
- `stranger` (UNLISTED_USER): not on the app's allow-list; every Web API call answers 403 with the plain-text
  body "User not registered in the Developer Dashboard".
Recently-played: newest first, `played_at` with milliseconds, cursors as strings; `before=` pages back and
`next` is set while older reachable plays remain; `after=` returns the plays right after the cursor (at
most `limit`, still newest first, `next` pointing on with `after=` when more remain); an empty page has
`cursors: null` and `next: null`. About a quarter of the tracks lack the deprecated `popularity`,
`preview_url` and `available_markets`, and some plays have `context: null`.
Player state follows the calls: pause/play toggle `is_playing` (pausing while paused, or resuming while
playing, is 403 UNKNOWN "Restriction violated"); next moves to the queue's head and appends the finished
track to recently-played with a fresh `played_at` (the queue loops). Progress does not advance on its own.

Tokens: access tokens live `access_token_ttl` seconds (3600); codes `code_ttl` seconds (60), single use;
refresh tokens expire `refresh_token_lifetime` seconds (about 6 months) after the user's authorization,
and refreshing does not extend that. `refresh_rotation` decides whether a refresh answer carries a new
refresh token: "omit" (default, the old one stays valid), "rotate" (a new one each time; the old one stays
valid too) or "alternate" (every other refresh rotates).

Apps (development mode): the seeded app's allow-list is every seeded account but `stranger`. More apps
(a user's own) are registered with the `register_app` admin action. An app lists at most `max_users` (5)
users, as Spotify's development mode does: a Web API call with a token issued to a user the app does not
list answers the plain-text 403 above, whoever consented. An app may have a quota (`quota` Web API calls
per `quota_window` seconds, unset by default): past it, every call answers 429 `{"error": {"status": 429,
"message": "Too many requests", "reason": "QUOTA_EXCEEDED"}}` with no Retry-After until the window ends.

Admin actions (`POST /_sandbox/spotify/<action>`):
- `issue_token` {user, scopes?, expires_in?, pkce?, client_id?} → {access_token, refresh_token, expires_in,
  scope}
- `register_app` {client_id, client_secret, users?, max_users?, quota?, quota_window?} → the app; `allow`
  {client_id, user} adds a user to an app's list (400 past `max_users`); `app` {client_id} → the app and
  its quota use
- `expire_access_token` {access_token}; `revoke_refresh_token` {refresh_token} or {user};
  `expire_refresh_token` {refresh_token} or {user} (the 6-month limit is reached)
- `config` {access_token_ttl?, code_ttl?, refresh_rotation?, refresh_token_lifetime?, redirect_uris?} → config
- `state` {user} → the player, devices, queue and the newest plays, for assertions
- `set_playback` {user, currently_playing_type?, is_playing?, progress_ms?, active?} (e.g. an ad: item null)
Faults: `token_expired` on `spotify-api` → 401 "The access token expired"; `token_revoked` on
`spotify-accounts` → 400 invalid_grant "Refresh token revoked".
"""

from __future__ import annotations

import base64
import copy
import hashlib
import html
import json
import random
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.faults import Fault
from sandbox.services import register
from sandbox.services.base import Service, json_response

ACCOUNTS_PREFIX = "/spotify-accounts"
API_PREFIX = "/spotify-api/v1"
ACCOUNTS_CHANNEL = "spotify-accounts"
API_CHANNEL = "spotify-api"

CLIENT_ID = "sandbox-spotify-client"
CLIENT_SECRET = "sandbox-spotify-secret"

PREMIUM_USER = "wizzler"
FREE_USER = "freeloader"
IDLE_USER = "idle-ida"
DEV_MODE_USER = "devmode-dan"
UNLISTED_USER = "stranger"
IDLE_DEVICE_ID = "ida-speaker-0001"
PREMIUM_DEVICE_ID = "wiz-macbook-0001"
PREMIUM_PHONE_ID = "wiz-phone-0002"

SCOPES = (
    "user-read-recently-played",
    "user-read-currently-playing",
    "user-read-playback-state",
    "user-modify-playback-state",
    "user-read-private",
    "user-read-email",
)
KNOWN_SCOPES = frozenset(
    (
        *SCOPES,
        "app-remote-control",
        "streaming",
        "playlist-read-private",
        "playlist-read-collaborative",
        "playlist-modify-private",
        "playlist-modify-public",
        "user-follow-modify",
        "user-follow-read",
        "user-top-read",
        "user-library-modify",
        "user-library-read",
        "ugc-image-upload",
        "user-read-playback-position",
        "user-personalized",
    )
)

SEED = 20260301
ANCHOR_MS = 1772388252345  # 2026-03-01T18:04:12.345Z: when wizzler's newest seeded play ended
RECENT_REACHABLE = 50  # recently-played only reaches this many plays back
SIX_MONTHS = 182 * 24 * 3600
DEFAULT_CONFIG: dict[str, Any] = {
    "access_token_ttl": 3600,
    "code_ttl": 60,
    "refresh_rotation": "omit",
    "refresh_token_lifetime": SIX_MONTHS,
    "redirect_uris": [],
}
ROTATIONS = ("omit", "rotate", "alternate")
NOT_REGISTERED = "User not registered in the Developer Dashboard"
DEV_MODE_MAX_USERS = 5  # users a development-mode app may list
REAL_API = "https://api.spotify.com/v1"
OPEN = "https://open.spotify.com"

# The consent page looks like MusicHub (the demo's newcomer should not think they left it).
CONSENT_STYLE = (
    "body{margin:0;background:#0f1115;color:#e8eaf0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,"
    "sans-serif;line-height:1.5}main{max-width:520px;margin:2rem auto;padding:1.2rem 1.4rem;"
    "background:#171a21;"
    "border-radius:12px}h1{font-size:1.4rem}ul{color:#9aa3b2}fieldset{border:1px solid #2c3240;"
    "border-radius:8px;margin:1rem 0}label{display:inline-block;padding:.2rem 0}button{background:#1db954;"
    "color:#03140a;border:0;border-radius:999px;padding:.5rem 1.1rem;font-weight:600;font-size:.95rem;"
    "cursor:pointer;margin-right:.4rem}button.secondary{background:#1f232c;color:#e8eaf0}"
    ":focus-visible{outline:2px solid #1db954;outline-offset:2px}"
)

ACCOUNTS: dict[str, dict[str, Any]] = {
    PREMIUM_USER: {
        "account_id": "aB3dE5fG7h",
        "display_name": "Wiz",
        "email": "wiz@example.com",
        "country": "SE",
        "product": "premium",
        "followers": 12,
        "image": "https://i.scdn.co/image/ab67757wizzler",
    },
    FREE_USER: {
        "account_id": "fR33L0aD3r",
        "display_name": "Freddie",
        "email": "freddie@example.com",
        "country": "GB",
        "product": "free",
        "followers": 3,
        "image": None,
    },
    IDLE_USER: {
        "account_id": "iD1eIdA000",
        "display_name": None,
        "email": "ida@example.com",
        "country": "DE",
        "product": "premium",
        "followers": 0,
        "image": None,
    },
    DEV_MODE_USER: {
        "account_id": "dEvM0dEdAn",
        "display_name": "Dan",
        "product": "premium",  # not shown: development-mode answers leave it out
        "trimmed": True,
        "image": "https://i.scdn.co/image/ab67757devmodedan",
    },
    UNLISTED_USER: {
        "account_id": "sTrAnGeR00",
        "display_name": "Stranger",
        "email": "stranger@example.com",
        "country": "US",
        "product": "premium",
        "followers": 1,
        "image": None,
        "unlisted": True,
    },
}

ARTIST_NAMES = (
    "Nova Lane",
    "The Quiet Harbours",
    "Mira Solen",
    "Static Orchard",
    "Lumen & Vale",
    "Kasimir Rowe",
    "Paper Satellites",
    "Delta Fjord",
    "Juniper Wolves",
    "Ola Brandt",
)
ALBUM_WORDS = (
    "Night",
    "Drive",
    "Glass",
    "Summer",
    "Echo",
    "Northern",
    "Velvet",
    "Signal",
    "Harbour",
    "Static",
)
TRACK_WORDS = (
    "Headlights",
    "Paper",
    "Moon",
    "Runaway",
    "Lanterns",
    "Tides",
    "Satellite",
    "Wildfire",
    "Afterglow",
    "Blue",
    "Hours",
    "Gravity",
    "Mirrors",
    "Orbit",
    "Coastline",
    "Neon",
)
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class _Abort(Exception):
    """Stops a handler with a ready response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


# --- the seeded catalogue ------------------------------------------------------------------------


def _spotify_id(rng: random.Random) -> str:
    return "".join(rng.choice(BASE62) for _ in range(22))


def _artist_object(artist: dict[str, str]) -> dict[str, Any]:
    return {
        "external_urls": {"spotify": f"{OPEN}/artist/{artist['id']}"},
        "href": f"{REAL_API}/artists/{artist['id']}",
        "id": artist["id"],
        "name": artist["name"],
        "type": "artist",
        "uri": f"spotify:artist:{artist['id']}",
    }


def _build_catalogue() -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
    """Tracks by id (full Spotify track objects) and context uri → track ids (albums and playlists)."""
    rng = random.Random(SEED)
    artists = [{"id": _spotify_id(rng), "name": name} for name in ARTIST_NAMES]
    tracks: dict[str, dict[str, Any]] = {}
    contexts: dict[str, list[str]] = {}
    number = 0
    for album_index in range(12):
        artist = artists[album_index % len(artists)]
        album_id = _spotify_id(rng)
        year = 2012 + album_index
        album: dict[str, Any] = {
            "album_type": "album" if album_index % 4 else "single",
            "artists": [_artist_object(artist)],
            "available_markets": ["SE", "GB", "DE", "US"],
            "external_urls": {"spotify": f"{OPEN}/album/{album_id}"},
            "href": f"{REAL_API}/albums/{album_id}",
            "id": album_id,
            "images": [
                {"height": size, "url": f"https://i.scdn.co/image/{album_id}-{size}", "width": size}
                for size in (640, 300, 64)
            ],
            "name": f"{rng.choice(ALBUM_WORDS)} {rng.choice(ALBUM_WORDS)}",
            "release_date": f"{year}-{1 + album_index % 12:02d}-{10 + album_index:02d}",
            "release_date_precision": "day",
            "total_tracks": 6,
            "type": "album",
            "uri": f"spotify:album:{album_id}",
        }
        album_uri = album["uri"]
        contexts[album_uri] = []
        for track_number in range(1, 7):
            number += 1
            track_id = _spotify_id(rng)
            performers = [artist]
            if rng.random() < 0.2:
                performers.append(rng.choice([other for other in artists if other is not artist]))
            track: dict[str, Any] = {
                "album": album,
                "artists": [_artist_object(performer) for performer in performers],
                "available_markets": ["SE", "GB", "DE", "US"],
                "disc_number": 1,
                "duration_ms": rng.randint(150_000, 330_000),
                "explicit": rng.random() < 0.15,
                "external_ids": {"isrc": f"SE{'ABC'[album_index % 3]}{year % 100:02d}{number:05d}"},
                "external_urls": {"spotify": f"{OPEN}/track/{track_id}"},
                "href": f"{REAL_API}/tracks/{track_id}",
                "id": track_id,
                "is_local": False,
                "name": " ".join(rng.sample(TRACK_WORDS, rng.choice((1, 2)))),
                "popularity": rng.randint(5, 95),
                "preview_url": None,
                "track_number": track_number,
                "type": "track",
                "uri": f"spotify:track:{track_id}",
            }
            if number % 4 == 0:  # deprecated fields are missing from some answers
                for key in ("available_markets", "popularity", "preview_url"):
                    del track[key]
            tracks[track_id] = track
            contexts[album_uri].append(track_id)
    ids = list(tracks)
    for _ in range(2):
        playlist_id = _spotify_id(rng)
        contexts[f"spotify:playlist:{playlist_id}"] = rng.sample(ids, 15)
    return tracks, contexts


TRACKS, CONTEXTS = _build_catalogue()
TRACK_IDS = list(TRACKS)


def _context_object(uri: str | None) -> dict[str, Any] | None:
    if uri is None:
        return None
    _, kind, ident = uri.split(":", 2)
    return {
        "external_urls": {"spotify": f"{OPEN}/{kind}/{ident}"},
        "href": f"{REAL_API}/{kind}s/{ident}",
        "type": kind,
        "uri": uri,
    }


def _context_of(track_id: str, rng: random.Random) -> str | None:
    """An album or playlist the track is in, or None (Spotify sends `context: null` often)."""
    roll = rng.random()
    if roll < 0.3:
        return None
    holders = [uri for uri, ids in CONTEXTS.items() if track_id in ids]
    playlists = [uri for uri in holders if ":playlist:" in uri]
    if playlists and roll < 0.6:
        return playlists[0]
    return holders[0]


def iso_ms(ms: int) -> str:
    """Spotify's `played_at`: ISO-8601 UTC with milliseconds."""
    moment = datetime.fromtimestamp(ms // 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


def _history(rng: random.Random, count: int, newest_ms: int) -> list[dict[str, Any]]:
    """`count` plays ending at or before `newest_ms`, newest first."""
    plays = []
    ended = newest_ms
    for _ in range(count):
        track_id = rng.choice(TRACK_IDS)
        plays.append({"played_at": ended, "track": track_id, "context": _context_of(track_id, rng)})
        ended -= TRACKS[track_id]["duration_ms"] + rng.randint(1_000, 600_000)
    return plays


def _device(device_id: str | None, name: str, kind: str, volume: int | None) -> dict[str, Any]:
    return {
        "id": device_id,
        "is_active": False,
        "is_private_session": False,
        "is_restricted": False,
        "name": name,
        "supports_volume": volume is not None,
        "type": kind,
        "volume_percent": volume,
    }


def _seed_players(rng: random.Random) -> dict[str, dict[str, Any]]:
    def player(devices: list[dict[str, Any]], active: int | None, playing: bool, queue_size: int) -> dict:
        current = rng.choice(TRACK_IDS)
        return {
            "devices": devices,
            "active": active,
            "is_playing": playing,
            "progress_ms": rng.randint(10_000, 120_000),
            "current": current,
            "context": _context_of(current, rng),
            "queue": rng.sample(TRACK_IDS, queue_size),
            "type": "track",
            "repeat_state": "off",
            "shuffle_state": False,
            "timestamp": ANCHOR_MS + 84_000,
        }

    return {
        PREMIUM_USER: player(
            [
                _device(PREMIUM_DEVICE_ID, "Wiz's MacBook", "Computer", 59),
                _device(PREMIUM_PHONE_ID, "Wiz's Phone", "Smartphone", 80),
            ],
            0,
            True,
            8,
        ),
        FREE_USER: player([_device("free-phone-0001", "Freddie's Phone", "Smartphone", 70)], 0, True, 5),
        IDLE_USER: player([_device(IDLE_DEVICE_ID, "Ida's Speaker", "Speaker", 40)], None, False, 5),
        DEV_MODE_USER: player([_device(None, "Web Player (Firefox)", "Computer", None)], 0, False, 5),
        UNLISTED_USER: player([_device("stranger-tv-0001", "Living Room TV", "TV", 30)], 0, True, 3),
    }


# --- the service ---------------------------------------------------------------------------------


def _oauth_error(error: str, description: str | None = None, status: int = 400) -> Response:
    body = {"error": error}
    if description is not None:
        body["error_description"] = description
    return json_response(body, status=status)


def _api_error(status: int, message: str, reason: str | None = None) -> Response:
    error: dict[str, Any] = {"status": status, "message": message}
    if reason is not None:
        error["reason"] = reason
    response = json_response({"error": error}, status=status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="spotify", error="invalid_token"'
    return response


def _with_query(uri: str, params: dict[str, str | None]) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(key, value) for key, value in params.items() if value is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _without_port(uri: str) -> str:
    parts = urlsplit(uri)
    host = parts.hostname or ""
    return urlunsplit(parts._replace(netloc=f"[{host}]" if ":" in host else host))


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@register
class SpotifyService(Service):
    name = "spotify"
    mounts = {ACCOUNTS_PREFIX: ACCOUNTS_CHANNEL, API_PREFIX: API_CHANNEL}
    env = {
        "SPOTIFY_ACCOUNTS_URL": ACCOUNTS_PREFIX,
        "SPOTIFY_API_URL": API_PREFIX,
        "SPOTIFY_CLIENT_ID": f"={CLIENT_ID}",
        "SPOTIFY_CLIENT_SECRET": f"={CLIENT_SECRET}",
    }
    rules = [
        Rule(f"{ACCOUNTS_PREFIX}/authorize", endpoint="authorize", methods=["GET"]),
        Rule(f"{ACCOUNTS_PREFIX}/authorize/decision", endpoint="decision", methods=["POST"]),
        Rule(f"{ACCOUNTS_PREFIX}/api/token", endpoint="token", methods=["POST"]),
        Rule(f"{API_PREFIX}/me", endpoint="me", methods=["GET"]),
        Rule(f"{API_PREFIX}/me/player/recently-played", endpoint="recently_played", methods=["GET"]),
        Rule(f"{API_PREFIX}/me/player/currently-playing", endpoint="currently_playing", methods=["GET"]),
        Rule(f"{API_PREFIX}/me/player", endpoint="playback_state", methods=["GET"]),
        Rule(f"{API_PREFIX}/me/player/pause", endpoint="pause", methods=["PUT"]),
        Rule(f"{API_PREFIX}/me/player/play", endpoint="play", methods=["PUT"]),
        Rule(f"{API_PREFIX}/me/player/next", endpoint="next", methods=["POST"]),
    ]

    def reset(self) -> None:
        rng = random.Random(SEED + 1)
        self.rng = rng
        self.config: dict[str, Any] = copy.deepcopy(DEFAULT_CONFIG)
        self.codes: dict[str, dict[str, Any]] = {}
        self.apps: dict[str, dict[str, Any]] = {}
        self._register(
            CLIENT_ID, CLIENT_SECRET, [user for user in ACCOUNTS if not ACCOUNTS[user].get("unlisted")]
        )
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.refresh_tokens: dict[str, dict[str, Any]] = {}
        self.history = {
            PREMIUM_USER: _history(rng, 60, ANCHOR_MS),
            FREE_USER: _history(rng, 5, ANCHOR_MS - 3_600_000),
            IDLE_USER: [],
            DEV_MODE_USER: _history(rng, 10, ANCHOR_MS - 86_400_000),
            UNLISTED_USER: _history(rng, 3, ANCHOR_MS - 7_200_000),
        }
        self.players = _seed_players(rng)
        for player in self.players.values():
            if player["active"] is not None:
                player["devices"][player["active"]]["is_active"] = True

    def _register(
        self,
        client_id: str,
        secret: str,
        users: list[str],
        *,
        max_users: int = DEV_MODE_MAX_USERS,
        quota: int | None = None,
        quota_window: float = 30.0,
    ) -> dict[str, Any]:
        if len(set(users)) > max_users:
            raise _Abort(
                json_response({"error": f"development mode lists at most {max_users} users"}, status=400)
            )
        app = {
            "client_id": client_id,
            "secret": secret,
            "users": set(users),
            "max_users": max_users,
            "quota": quota,
            "quota_window": float(quota_window),
            "calls": [],  # times of the Web API calls in the current window
        }
        self.apps[client_id] = app
        return app

    def _spend_quota(self, client_id: str) -> None:
        app = self.apps[client_id]
        if app["quota"] is None:
            return
        now = self.now()
        app["calls"] = [moment for moment in app["calls"] if moment > now - app["quota_window"]]
        if len(app["calls"]) >= app["quota"]:
            raise _Abort(_api_error(429, "Too many requests", "QUOTA_EXCEEDED"))
        app["calls"].append(now)

    def dispatch(self, channel: str, request: Request) -> Response:
        try:
            return super().dispatch(channel, request)
        except _Abort as abort:
            return abort.response

    # --- errors in Spotify's two formats ---------------------------------------------------------

    def error_response(
        self, channel: str, status: int, message: str | None, fault: Fault | None = None
    ) -> Response:
        if channel == ACCOUNTS_CHANNEL:
            error = "server_error" if status >= 500 else "invalid_request"
            return _oauth_error(error, message or f"HTTP {status}", status=status)
        default = "API rate limit exceeded" if status == 429 else None
        return _api_error(
            status, message or default or "error", (fault.extra.get("reason") if fault else None)
        )

    def token_fault_response(self, channel: str, request: Request, fault: Fault) -> Response:
        if channel == ACCOUNTS_CHANNEL:
            if fault.kind == "token_revoked":
                return _oauth_error("invalid_grant", fault.message or "Refresh token revoked")
            return _oauth_error("invalid_grant", fault.message or "Invalid refresh token")
        if fault.kind == "token_revoked":
            return _api_error(401, fault.message or "Invalid access token")
        return _api_error(401, fault.message or "The access token expired")

    # --- tokens ----------------------------------------------------------------------------------

    def _token(self, prefix: str) -> str:
        return prefix + "".join(self.rng.choice(BASE62 + "-_") for _ in range(64))

    def _issue_access(
        self,
        user: str | None,
        scopes: list[str],
        expires_in: int | None = None,
        *,
        client_id: str = CLIENT_ID,
    ) -> dict:
        ttl = int(expires_in if expires_in is not None else self.config["access_token_ttl"])
        token = self._token("BQ")
        self.access_tokens[token] = {
            "user": user,
            "scopes": set(scopes),
            "expires_at": self.now() + ttl,
            "client_id": client_id,
        }
        return {"access_token": token, "token_type": "Bearer", "expires_in": ttl}

    def _issue_refresh(
        self, user: str, scopes: list[str], *, pkce: bool, authorized_at: float, client_id: str = CLIENT_ID
    ) -> str:
        token = self._token("AQ")
        self.refresh_tokens[token] = {
            "client_id": client_id,
            "user": user,
            "scopes": list(scopes),
            "pkce": pkce,
            "authorized_at": authorized_at,
            "expires_at": authorized_at + float(self.config["refresh_token_lifetime"]),
            "revoked": False,
            "refreshes": 0,
        }
        return token

    def _grant(
        self,
        user: str,
        scopes: list[str],
        *,
        pkce: bool,
        expires_in: int | None = None,
        client_id: str = CLIENT_ID,
    ) -> dict:
        answer = self._issue_access(user, scopes, expires_in, client_id=client_id)
        answer["scope"] = " ".join(scopes)
        answer["refresh_token"] = self._issue_refresh(
            user, scopes, pkce=pkce, authorized_at=self.now(), client_id=client_id
        )
        return answer

    # --- accounts: /authorize ----------------------------------------------------------------------

    def _redirect_problem(self, uri: str) -> str | None:
        """Why Spotify would refuse this redirect URI (its error page), or None."""
        parts = urlsplit(uri)
        if not parts.scheme or not parts.netloc or parts.fragment:
            return "Invalid redirect URI"
        try:
            host = parts.hostname
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            return "Invalid redirect URI"
        loopback = parts.scheme == "http" and host in ("127.0.0.1", "::1")
        if host == "localhost" or (parts.scheme != "https" and not loopback):
            return "Insecure redirect URI"
        registered = self.config["redirect_uris"]
        # with a registered list, a loopback URI may take any port; everything else must match exactly
        loopback_match = loopback and _without_port(uri) in {_without_port(entry) for entry in registered}
        if registered and uri not in registered and not loopback_match:
            return "Invalid redirect URI"
        return None

    def _error_page(self, message: str) -> Response:
        body = (
            "<!doctype html><html><head><title>Error - Spotify</title></head><body>"
            f"<h1>Oops! Something went wrong, please try again or check out our help area.</h1>"
            f'<p class="error">{html.escape(message)}</p></body></html>'
        )
        return Response(body, status=400, content_type="text/html; charset=utf-8")

    def _check_authorization(self, params: Any) -> tuple[Response | None, str | None]:
        """(error response, redirect_uri): an error page for a bad client or redirect URI, a redirect
        carrying the error for anything else, or no error."""
        if params.get("client_id") not in self.apps:
            return self._error_page("INVALID_CLIENT: Invalid client"), None
        redirect_uri = params.get("redirect_uri") or ""
        problem = self._redirect_problem(redirect_uri) if redirect_uri else "Invalid redirect URI"
        if problem:
            return self._error_page(f"INVALID_CLIENT: {problem}"), None
        state = params.get("state")
        if params.get("response_type") != "code":
            return self._redirect(redirect_uri, error="unsupported_response_type", state=state), redirect_uri
        unknown = [scope for scope in (params.get("scope") or "").split() if scope not in KNOWN_SCOPES]
        if unknown:
            return self._redirect(redirect_uri, error="invalid_scope", state=state), redirect_uri
        challenge = params.get("code_challenge")
        if challenge is not None and params.get("code_challenge_method") != "S256":
            return self._redirect(redirect_uri, error="invalid_request", state=state), redirect_uri
        return None, redirect_uri

    @staticmethod
    def _redirect(redirect_uri: str, **params: str | None) -> Response:
        return Response(status=302, headers={"Location": _with_query(redirect_uri, params)})

    def on_authorize(self, request: Request) -> Response:
        problem, _ = self._check_authorization(request.args)
        if problem is not None:
            return problem
        carried = (
            "client_id",
            "response_type",
            "redirect_uri",
            "state",
            "scope",
            "code_challenge",
            "code_challenge_method",
            "show_dialog",
        )
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(request.args[name])}">'
            for name in carried
            if name in request.args
        )
        choices = "".join(
            f'<label><input type="radio" name="user" value="{user}"{" checked" if index == 0 else ""}> '
            f"{html.escape(account.get('display_name') or user)} ({user})</label><br>"
            for index, (user, account) in enumerate(ACCOUNTS.items())
        )
        scopes = "".join(f"<li>{html.escape(scope)}</li>" for scope in request.args.get("scope", "").split())
        body = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Authorize - Spotify (sandbox)</title><style>{CONSENT_STYLE}</style></head><body><main>"
            "<h1>MusicHub wants to connect to your Spotify account</h1>"
            f"<ul>{scopes}</ul>"
            f'<form method="post" action="{ACCOUNTS_PREFIX}/authorize/decision">{hidden}'
            f"<fieldset><legend>Sign in as</legend>{choices}</fieldset>"
            '<button type="submit" name="decision" value="approve">Agree</button> '
            '<button type="submit" name="decision" value="deny" class="secondary">Cancel</button>'
            "</form></main></body></html>"
        )
        return Response(body, status=200, content_type="text/html; charset=utf-8")

    def on_decision(self, request: Request) -> Response:
        problem, redirect_uri = self._check_authorization(request.form)
        if problem is not None:
            return problem
        assert redirect_uri is not None
        state = request.form.get("state")
        if request.form.get("decision") != "approve":
            return self._redirect(redirect_uri, error="access_denied", state=state)
        user = request.form.get("user", PREMIUM_USER)
        if user not in ACCOUNTS:
            return self._error_page(f"Unknown account {user!r}")
        code = self._token("AQ")
        self.codes[code] = {
            "client_id": request.form.get("client_id"),
            "user": user,
            "scopes": (request.form.get("scope") or "").split(),
            "redirect_uri": redirect_uri,
            "challenge": request.form.get("code_challenge"),
            "expires_at": self.now() + float(self.config["code_ttl"]),
            "used": False,
        }
        return self._redirect(redirect_uri, code=code, state=state)

    # --- accounts: /api/token ------------------------------------------------------------------------

    @staticmethod
    def _client_auth(request: Request) -> tuple[str | None, str | None]:
        """(client_id, client_secret) from a Basic header, else from the form (RFC 6749 §2.3.1)."""
        authorization = request.authorization
        if authorization is not None and authorization.type == "basic":
            return authorization.username, authorization.password
        return request.form.get("client_id"), request.form.get("client_secret")

    def on_token(self, request: Request) -> Response:
        grant = request.form.get("grant_type")
        if not grant:
            return _oauth_error("unsupported_grant_type", "grant_type parameter is missing")
        if grant not in ("authorization_code", "refresh_token", "client_credentials"):
            return _oauth_error(
                "unsupported_grant_type",
                "grant_type must be client_credentials, authorization_code or refresh_token",
            )
        client_id, secret = self._client_auth(request)
        app = self.apps.get(client_id or "")
        if app is None:
            return _oauth_error("invalid_client", "Invalid client")
        if secret is not None and secret != app["secret"]:
            return _oauth_error("invalid_client", "Invalid client secret")
        authenticated = secret is not None
        if grant == "authorization_code":
            answer = self._grant_code(request, authenticated, app["client_id"])
        elif grant == "refresh_token":
            answer = self._grant_refresh(request, authenticated, app["client_id"])
        else:
            if not authenticated:
                return _oauth_error("invalid_client", "Invalid client")
            answer = self._issue_access(None, [], client_id=app["client_id"])
        if isinstance(answer, Response):
            return answer
        return json_response(answer, headers={"Cache-Control": "no-store"})

    def _grant_code(self, request: Request, authenticated: bool, client_id: str) -> dict | Response:
        code = self.codes.get(request.form.get("code") or "")
        if code is None or code["used"] or code["client_id"] != client_id:
            return _oauth_error("invalid_grant", "Invalid authorization code")
        code["used"] = True  # a code is spent by its first use, whatever happens next
        if self.now() >= code["expires_at"]:
            return _oauth_error("invalid_grant", "Authorization code expired")
        if request.form.get("redirect_uri") != code["redirect_uri"]:
            return _oauth_error("invalid_grant", "Invalid authorization code")
        if code["challenge"] is not None:
            verifier = request.form.get("code_verifier")
            if not verifier:
                return _oauth_error("invalid_request", "code_verifier required")
            if not 43 <= len(verifier) <= 128:
                return _oauth_error("invalid_request", "code_verifier must be 43 to 128 characters")
            if _s256(verifier) != code["challenge"]:
                return _oauth_error("invalid_grant", "code_verifier was incorrect")
        elif not authenticated:
            return _oauth_error("invalid_client", "Invalid client")
        return self._grant(
            code["user"], code["scopes"], pkce=code["challenge"] is not None, client_id=client_id
        )

    def _grant_refresh(self, request: Request, authenticated: bool, client_id: str) -> dict | Response:
        old = request.form.get("refresh_token") or ""
        record = self.refresh_tokens.get(old)
        if record is None or self.now() >= record["expires_at"] or record["client_id"] != client_id:
            return _oauth_error("invalid_grant", "Invalid refresh token")
        if record["revoked"]:
            return _oauth_error("invalid_grant", "Refresh token revoked")
        if not record["pkce"] and not authenticated:
            return _oauth_error("invalid_client", "Invalid client")
        record["refreshes"] += 1
        answer = self._issue_access(record["user"], record["scopes"], client_id=client_id)
        answer["scope"] = " ".join(record["scopes"])
        rotation = self.config["refresh_rotation"]
        if rotation == "rotate" or (rotation == "alternate" and record["refreshes"] % 2 == 0):
            new = self._issue_refresh(
                record["user"],
                record["scopes"],
                pkce=record["pkce"],
                authorized_at=record["authorized_at"],
                client_id=client_id,
            )
            self.refresh_tokens[new]["refreshes"] = record["refreshes"]
            answer["refresh_token"] = new
        return answer

    # --- web API: authentication ---------------------------------------------------------------------

    def _user(self, request: Request, scope: str | tuple[str, ...] | None = None) -> str:
        """The user the bearer token belongs to, or an abort with Spotify's 401/403."""
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if not header:
            raise _Abort(_api_error(401, "No token provided"))
        if scheme.lower() != "bearer" or not token.strip():
            raise _Abort(_api_error(400, "Only valid bearer authentication supported"))
        record = self.access_tokens.get(token.strip())
        if record is None:
            raise _Abort(_api_error(401, "Invalid access token"))
        if self.now() >= record["expires_at"]:
            raise _Abort(_api_error(401, "The access token expired"))
        user = record["user"]
        if user is None:
            raise _Abort(_api_error(401, "Valid user authentication required"))
        app = self.apps.get(record["client_id"])
        if app is None or user not in app["users"]:  # not on the app's development-mode list
            raise _Abort(Response(NOT_REGISTERED, status=403, content_type="text/plain"))
        self._spend_quota(app["client_id"])
        needed = (scope,) if isinstance(scope, str) else scope
        if needed and not record["scopes"].intersection(needed):
            raise _Abort(_api_error(403, "Insufficient client scope"))
        return user

    def _has_scope(self, request: Request, scope: str) -> bool:
        token = request.headers.get("Authorization", "").partition(" ")[2].strip()
        return scope in self.access_tokens[token]["scopes"]

    # --- web API: reads ------------------------------------------------------------------------------

    def on_me(self, request: Request) -> Response:
        user = self._user(request)
        account = ACCOUNTS[user]
        body: dict[str, Any] = {
            "account_id": account["account_id"],
            "display_name": account["display_name"],
            "external_urls": {"spotify": f"{OPEN}/user/{user}"},
            "href": f"{REAL_API}/users/{user}",
            "id": user,
            "images": [{"url": account["image"], "height": 300, "width": 300}] if account["image"] else [],
            "type": "user",
            "uri": f"spotify:user:{user}",
        }
        if not account.get("trimmed"):
            body["followers"] = {"href": None, "total": account["followers"]}
            if self._has_scope(request, "user-read-email"):
                body["email"] = account["email"]
            if self._has_scope(request, "user-read-private"):
                body["country"] = account["country"]
                body["product"] = account["product"]
                body["explicit_content"] = {"filter_enabled": False, "filter_locked": False}
        return json_response(body)

    @staticmethod
    def _int_arg(request: Request, name: str) -> int | None:
        value = request.args.get(name)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            raise _Abort(_api_error(400, f"Invalid {name} parameter")) from None

    def on_recently_played(self, request: Request) -> Response:
        user = self._user(request, "user-read-recently-played")
        limit = self._int_arg(request, "limit")
        limit = 20 if limit is None else limit
        if not 1 <= limit <= 50:
            return _api_error(400, "Invalid limit")
        after, before = self._int_arg(request, "after"), self._int_arg(request, "before")
        if after is not None and before is not None:
            return _api_error(400, "Only one of the parameters after and before may be specified")
        reachable = self.history[user][:RECENT_REACHABLE]
        base = request.host_url.rstrip("/") + API_PREFIX + "/me/player/recently-played"
        if after is not None:
            candidates = [play for play in reachable if play["played_at"] > after]
            page = candidates[-limit:]  # the plays right after the cursor, still newest first
            more = {"after": str(page[0]["played_at"])} if len(candidates) > limit else None
        else:
            candidates = [play for play in reachable if before is None or play["played_at"] < before]
            page = candidates[:limit]
            more = {"before": str(page[-1]["played_at"])} if len(candidates) > limit else None
        query = request.query_string.decode()
        body: dict[str, Any] = {
            "items": [
                {
                    "track": TRACKS[play["track"]],
                    "played_at": iso_ms(play["played_at"]),
                    "context": _context_object(play["context"]),
                }
                for play in page
            ],
            "next": f"{base}?{urlencode({**more, 'limit': limit})}" if more else None,
            "cursors": (
                {"after": str(page[0]["played_at"]), "before": str(page[-1]["played_at"])} if page else None
            ),
            "limit": limit,
            "href": f"{base}?{query}" if query else base,
        }
        return json_response(body)

    def _playing_body(self, user: str, *, with_device: bool) -> dict[str, Any] | None:
        player = self.players[user]
        if player["active"] is None or player["current"] is None:
            return None
        is_track = player["type"] == "track"
        body: dict[str, Any] = {
            "timestamp": player["timestamp"],
            "context": _context_object(player["context"]) if is_track else None,
            "progress_ms": player["progress_ms"] if is_track else None,
            "item": TRACKS[player["current"]] if is_track else None,
            "currently_playing_type": player["type"],
            "actions": {"disallows": {"resuming": True} if player["is_playing"] else {"pausing": True}},
            "is_playing": player["is_playing"],
        }
        if with_device:
            body = {
                "device": player["devices"][player["active"]],
                "shuffle_state": player["shuffle_state"],
                "smart_shuffle": False,
                "repeat_state": player["repeat_state"],
                **body,
            }
        return body

    def on_currently_playing(self, request: Request) -> Response:
        user = self._user(request, ("user-read-currently-playing", "user-read-playback-state"))
        body = self._playing_body(user, with_device=False)
        return Response(status=204) if body is None else json_response(body)

    def on_playback_state(self, request: Request) -> Response:
        user = self._user(request, "user-read-playback-state")
        body = self._playing_body(user, with_device=True)
        return Response(status=204) if body is None else json_response(body)

    # --- web API: player commands --------------------------------------------------------------------

    def _target(self, request: Request) -> tuple[str, dict[str, Any]]:
        """The user and player a command acts on: Premium, with an active (or named and woken) device."""
        user = self._user(request, "user-modify-playback-state")
        if ACCOUNTS[user]["product"] != "premium":
            raise _Abort(_api_error(403, "Player command failed: Premium required", "PREMIUM_REQUIRED"))
        player = self.players[user]
        device_id = request.args.get("device_id")
        if device_id:
            index = next((i for i, d in enumerate(player["devices"]) if d["id"] == device_id), None)
            if index is None:
                raise _Abort(_api_error(404, "Device not found"))
            self._activate(player, index)
        elif player["active"] is None:
            raise _Abort(_api_error(404, "Player command failed: No active device found", "NO_ACTIVE_DEVICE"))
        return user, player

    @staticmethod
    def _activate(player: dict[str, Any], index: int) -> None:
        for device in player["devices"]:
            device["is_active"] = False
        player["devices"][index]["is_active"] = True
        player["active"] = index

    def _touch(self, player: dict[str, Any]) -> None:
        player["timestamp"] = int(self.now() * 1000)

    @staticmethod
    def _restriction_violated() -> _Abort:
        return _Abort(_api_error(403, "Player command failed: Restriction violated", "UNKNOWN"))

    def on_pause(self, request: Request) -> Response:
        _, player = self._target(request)
        if not player["is_playing"]:
            raise self._restriction_violated()
        player["is_playing"] = False
        self._touch(player)
        return Response(status=204)

    def on_play(self, request: Request) -> Response:
        _, player = self._target(request)
        try:
            options = json.loads(request.data) if request.data else {}
        except ValueError:
            return _api_error(400, "Malformed json")
        if not isinstance(options, dict):
            return _api_error(400, "Malformed json")
        if options.get("uris"):
            ids = [self._track_id(uri) for uri in options["uris"]]
            player.update(current=ids[0], queue=ids[1:] + player["queue"], context=None)
        elif options.get("context_uri"):
            context = options["context_uri"]
            if context not in CONTEXTS:
                return _api_error(404, "Context not found")
            ids = CONTEXTS[context]
            start = self._offset(options.get("offset"), ids)
            player.update(current=ids[start], queue=ids[start + 1 :] + player["queue"], context=context)
        elif player["is_playing"] and "position_ms" not in options:
            raise self._restriction_violated()
        player["type"] = "track"
        player["is_playing"] = True
        if "position_ms" in options:
            player["progress_ms"] = max(0, int(options["position_ms"]))
        elif options:
            player["progress_ms"] = 0
        self._touch(player)
        return Response(status=204)

    @staticmethod
    def _track_id(uri: Any) -> str:
        parts = str(uri).split(":")
        if len(parts) != 3 or parts[:2] != ["spotify", "track"] or parts[2] not in TRACKS:
            raise _Abort(_api_error(400, f"Invalid track uri: {uri}"))
        return parts[2]

    @staticmethod
    def _offset(offset: Any, ids: list[str]) -> int:
        if not offset:
            return 0
        if isinstance(offset, dict) and isinstance(offset.get("position"), int):
            if 0 <= offset["position"] < len(ids):
                return offset["position"]
        elif isinstance(offset, dict) and str(offset.get("uri", "")).startswith("spotify:track:"):
            track_id = offset["uri"].split(":")[2]
            if track_id in ids:
                return ids.index(track_id)
        raise _Abort(_api_error(400, "Invalid offset"))

    def on_next(self, request: Request) -> Response:
        user, player = self._target(request)
        finished = player["current"]
        history = self.history[user]
        played_at = int(self.now() * 1000)
        if history and played_at <= history[0]["played_at"]:
            played_at = history[0]["played_at"] + 1
        history.insert(0, {"played_at": played_at, "track": finished, "context": player["context"]})
        player["current"] = player["queue"].pop(0)
        player["queue"].append(finished)  # the seeded queue loops, so next always has somewhere to go
        player.update(progress_ms=0, is_playing=True, type="track")
        self._touch(player)
        return Response(status=204)

    # --- admin -----------------------------------------------------------------------------------

    def _admin_user(self, payload: dict[str, Any]) -> str:
        user = payload.get("user", PREMIUM_USER)
        if user not in ACCOUNTS:
            raise _Abort(json_response({"error": f"unknown Spotify sandbox user {user!r}"}, status=400))
        return user

    def admin(self, action: str, payload: dict[str, Any]) -> Response:
        try:
            return super().admin(action, payload)
        except _Abort as abort:
            return abort.response

    def admin_issue_token(self, payload: dict[str, Any]) -> Response:
        user = self._admin_user(payload)
        scopes = payload.get("scopes")
        scopes = list(SCOPES) if scopes is None else (scopes.split() if isinstance(scopes, str) else scopes)
        client_id = payload.get("client_id", CLIENT_ID)
        if client_id not in self.apps:
            return json_response({"error": f"unknown app {client_id!r}"}, status=400)
        answer = self._grant(
            user,
            scopes,
            pkce=bool(payload.get("pkce")),
            expires_in=payload.get("expires_in"),
            client_id=client_id,
        )
        return json_response(answer)

    def admin_expire_access_token(self, payload: dict[str, Any]) -> Response:
        record = self.access_tokens.get(payload.get("access_token", ""))
        if record is None:
            return json_response({"error": "unknown access token"}, status=404)
        record["expires_at"] = self.now() - 1
        return json_response({"expired": 1})

    def _refresh_records(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
        if "refresh_token" in payload:
            record = self.refresh_tokens.get(payload["refresh_token"])
            if record is None:
                raise _Abort(json_response({"error": "unknown refresh token"}, status=404))
            return [record]
        user = self._admin_user(payload)
        return [record for record in self.refresh_tokens.values() if record["user"] == user]

    def admin_revoke_refresh_token(self, payload: dict[str, Any]) -> Response:
        records = self._refresh_records(payload)
        for record in records:
            record["revoked"] = True
        return json_response({"revoked": len(records)})

    def admin_expire_refresh_token(self, payload: dict[str, Any]) -> Response:
        records = self._refresh_records(payload)
        for record in records:
            record["expires_at"] = self.now() - 1
        return json_response({"expired": len(records)})

    def _app_view(self, app: dict[str, Any]) -> dict[str, Any]:
        window_start = self.now() - app["quota_window"]
        return {
            "client_id": app["client_id"],
            "users": sorted(app["users"]),
            "max_users": app["max_users"],
            "quota": app["quota"],
            "quota_window": app["quota_window"],
            "quota_used": len([moment for moment in app["calls"] if moment > window_start]),
        }

    def _admin_app(self, payload: dict[str, Any]) -> dict[str, Any]:
        app = self.apps.get(payload.get("client_id", ""))
        if app is None:
            raise _Abort(json_response({"error": f"unknown app {payload.get('client_id')!r}"}, status=404))
        return app

    def admin_register_app(self, payload: dict[str, Any]) -> Response:
        client_id, secret = payload.get("client_id"), payload.get("client_secret")
        if not client_id or not secret:
            return json_response({"error": "client_id and client_secret are required"}, status=400)
        users = list(payload.get("users") or [])
        unknown = [user for user in users if user not in ACCOUNTS]
        if unknown:
            return json_response({"error": f"unknown Spotify sandbox users {unknown}"}, status=400)
        app = self._register(
            client_id,
            secret,
            users,
            max_users=int(payload.get("max_users", DEV_MODE_MAX_USERS)),
            quota=payload.get("quota"),
            quota_window=float(payload.get("quota_window", 30.0)),
        )
        return json_response(self._app_view(app))

    def admin_allow(self, payload: dict[str, Any]) -> Response:
        app = self._admin_app(payload)
        user = self._admin_user(payload)
        if user not in app["users"] and len(app["users"]) >= app["max_users"]:
            return json_response(
                {"error": f"development mode lists at most {app['max_users']} users"}, status=400
            )
        app["users"].add(user)
        return json_response(self._app_view(app))

    def admin_app(self, payload: dict[str, Any]) -> Response:
        return json_response(self._app_view(self._admin_app(payload)))

    def admin_config(self, payload: dict[str, Any]) -> Response:
        unknown = set(payload) - set(DEFAULT_CONFIG)
        if unknown:
            return json_response({"error": f"unknown config keys: {', '.join(sorted(unknown))}"}, status=400)
        if payload.get("refresh_rotation", "omit") not in ROTATIONS:
            return json_response({"error": f"refresh_rotation is one of {', '.join(ROTATIONS)}"}, status=400)
        self.config.update(payload)
        return json_response(self.config)

    def admin_state(self, payload: dict[str, Any]) -> Response:
        user = self._admin_user(payload)
        player = self.players[user]
        active = player["devices"][player["active"]] if player["active"] is not None else None
        return json_response(
            {
                "user": user,
                "is_playing": player["is_playing"],
                "progress_ms": player["progress_ms"],
                "currently_playing_type": player["type"],
                "current": f"spotify:track:{player['current']}" if player["current"] else None,
                "context": player["context"],
                "queue": [f"spotify:track:{track_id}" for track_id in player["queue"]],
                "device": active,
                "devices": player["devices"],
                "recent": [
                    {"played_at": iso_ms(play["played_at"]), "track": f"spotify:track:{play['track']}"}
                    for play in self.history[user][:RECENT_REACHABLE]
                ],
                "history_size": len(self.history[user]),
            }
        )

    def admin_set_playback(self, payload: dict[str, Any]) -> Response:
        user = self._admin_user(payload)
        player = self.players[user]
        if payload.get("currently_playing_type") in ("track", "episode", "ad", "unknown"):
            player["type"] = payload["currently_playing_type"]
        if "is_playing" in payload:
            player["is_playing"] = bool(payload["is_playing"])
        if "progress_ms" in payload:
            player["progress_ms"] = int(payload["progress_ms"])
        if payload.get("active") is False:
            for device in player["devices"]:
                device["is_active"] = False
            player["active"] = None
        elif payload.get("active") is True and player["active"] is None:
            self._activate(player, 0)
        return self.admin_state({"user": user})
