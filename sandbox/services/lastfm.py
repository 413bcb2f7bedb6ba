"""Fake Last.fm API (`GET /lastfm/2.0/?method=…&api_key=…&format=json`), channel `lastfm`.

Setting: `LASTFM_API_URL` → `<sandbox>/lastfm/2.0/` (trailing slash, like the real URL).
Methods (names case-insensitive): `user.getRecentTracks` (`user`, `page`, `limit` (default 50, 1-1000),
`from`/`to` in epoch seconds, both inclusive, `extended=0|1`) and `user.getInfo` (`user`).
Answers are JSON whatever `format` says (the real service answers XML without `format=json`).

Keys:
- `sandbox-lastfm-key` is valid;
- `sandbox-lastfm-suspended` answers 403 `{"error": 26}` (suspended key);
- any other key, or none, answers 403 `{"error": 10}` (invalid key).

Users (names case-insensitive):
- `wiz`: 3000 scrobbles from February 2023 to 2026-03-01 17:58:40 UTC (newest first), now playing
  "Headlights" by Nova Lane; loved tracks; tracks with and without MBIDs, with and without album art,
  one without an album; non-ASCII names (Sigur Rós, Björk, 宇多田ヒカル, Кино); the newest two
  scrobbles are the same track played twice in a row ("Hoppípolla"). Deterministic
  (`random.Random(SEED)`).
- `demo`: the demo's user (`make run` gives it to the demo account): `wiz`'s 3000 scrobbles moved in time
  so that the newest was ten minutes before the sandbox started (or was reset), so its history reaches
  today; no now-playing track.
- `solo`: exactly one scrobble, so `track` comes back as an object, not a list.
- `silent`: no scrobbles: `"track": []`, `total` and `totalPages` "0".
- `hidden`: hides their recent listening: `user.getRecentTracks` answers 403 `{"error": 17}`
  (`user.getInfo` still works).
- anyone else: 404 `{"error": 6, "message": "User not found"}`.

Quirks reproduced: every scalar a string, `""` for a missing MBID or image; the now-playing row (no `date`,
`@attr.nowplaying`) on page 1 on top of `limit` (left out when `to` is given); a one-track page as an
object; `extended=1` gives the artist `{url, name, image, mbid}` and adds `loved`; `limit` over 1000
→ 400 `{"error": 6, "message": "limit param out of bounds (1-1000)"}`. Pages only move when scrobbles are
added, so a backfill walking page=N…1 sees stable pages.

Faults: `error_response` answers Last.fm's `{"error", "message"}` with code 29 for 429, 11 for 503,
8 for other 5xx, 10 for 401/403, 6 otherwise; fault option `code` picks another code, and
`http_200: true` sends the error body with HTTP 200 (a quirk of the real service).

Admin (`POST /_sandbox/lastfm/<action>`):
- `add_scrobbles` {user, tracks: [{title, artist, album?, uts, track_mbid?, artist_mbid?, album_mbid?,
  loved?}]} → {added, total}
- `set_now_playing` {user, track: {title, artist, album?} | null}
- `set_private` {user, private: bool}
- `state` {user} → {user, scrobbles, loved, now_playing, newest_uts, oldest_uts, private}
"""

from __future__ import annotations

import hashlib
import math
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.faults import Fault
from sandbox.services import register
from sandbox.services.base import Service, json_response

VALID_API_KEY = "sandbox-lastfm-key"
SUSPENDED_API_KEY = "sandbox-lastfm-suspended"

USER = "wiz"
DEMO_USER = "demo"
SINGLE_SCROBBLE_USER = "solo"
EMPTY_USER = "silent"
PRIVATE_USER = "hidden"

SEED = 20260301
SCROBBLE_COUNT = 3000
NEWEST_UTS = 1772387920  # 2026-03-01 17:58:40 UTC
REPEATED_TRACK = ("Sigur Rós", "Hoppípolla")  # the newest two scrobbles of `wiz`
NOW_PLAYING: dict[str, Any] = {"title": "Headlights", "artist": "Nova Lane", "album": "Night Drive"}
SOLO_UTS = 1700000000  # 2023-11-14 22:13:20 UTC

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
IMAGE_SIZES = (("small", "34s"), ("medium", "64s"), ("large", "174s"), ("extralarge", "300x300"))
IMAGE_HOST = "https://lastfm.freetls.fastly.net/i/u"

MESSAGES = {
    3: "Invalid Method - No method with that name in this package",
    6: "Invalid parameters - Your request is missing a required parameter",
    8: "Operation failed - Most likely the backend service failed. Please try again.",
    10: "Invalid API key - You must be granted a valid key by last.fm",
    11: "Service Offline - This service is temporarily offline. Try again later.",
    16: "There was a temporary error processing your request. Please try again",
    17: "Login: User required to be logged in",
    26: "API Key Suspended - This application is not allowed to make requests to the web services",
    29: "Rate Limit Exceeded - Your IP has made too many requests in a short period",
}

# (artist, albums: [(album, has_art, [titles])]); "" is a track without an album.
CATALOGUE: list[tuple[str, list[tuple[str, bool, list[str]]]]] = [
    (
        "Sigur Rós",
        [
            ("Takk...", True, ["Hoppípolla", "Glósóli", "Sæglópur"]),
            ("Ágætis byrjun", True, ["Svefn-g-englar", "Starálfur", "Olsen Olsen"]),
        ],
    ),
    (
        "Björk",
        [("Homogenic", True, ["Jóga", "Bachelorette", "Hunter"]), ("Debut", False, ["Venus as a Boy"])],
    ),
    ("宇多田ヒカル", [("Fantôme", True, ["花束を君に", "道", "真夏の通り雨"])]),
    ("Ryuichi Sakamoto", [("Merry Christmas Mr. Lawrence", False, ["戦場のメリークリスマス"])]),
    ("Кино", [("Группа крови", False, ["Группа крови", "Звезда по имени Солнце"])]),
    (
        "Nova Lane",
        [("Night Drive", True, ["Headlights", "Tail Lights", "Overpass"]), ("", False, ["Static (Demo)"])],
    ),
    ("Amadou & Mariam", [("Dimanche à Bamako", True, ["Beaux dimanches", "Sabali"])]),
    ("Motörhead", [("Ace of Spades", False, ["Ace of Spades", "Love Me Like a Reptile"])]),
    ("The Quiet Hours", [("Small Rooms", False, ["Lantern", "Undertow", "Paper Boats", "Late Bus"])]),
    ("Mitski", [("Be the Cowboy", True, ["Nobody", "Geyser", "Two Slow Dancers"])]),
]


@dataclass
class Track:
    title: str
    artist: str
    album: str = ""
    track_mbid: str = ""
    artist_mbid: str = ""
    album_mbid: str = ""
    art: str = ""  # the image hash of the album art, "" when there is none
    streamable: bool = False


@dataclass
class Play:
    track: Track
    uts: int
    seq: int  # insertion order, so plays at the same second keep a stable order


@dataclass
class Account:
    name: str
    realname: str = ""
    country: str = "None"  # how Last.fm writes an unset country
    registered: int = 0
    avatar: str = ""
    private: bool = False
    plays: list[Play] = field(default_factory=list)  # newest first
    loved: set[tuple[str, str]] = field(default_factory=set)  # (artist, title), case-folded
    now_playing: Track | None = None

    def sort(self) -> None:
        self.plays.sort(key=lambda play: (play.uts, play.seq), reverse=True)


def _mbid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _art(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def _art_for(album: str) -> str:
    return hashlib.sha256(album.encode()).hexdigest()[:32] if album else ""


def _music_url(*parts: str) -> str:
    return "https://www.last.fm/music/" + "/_/".join(quote_plus(part) for part in parts)


def _seed_catalogue(rng: random.Random) -> list[Track]:
    tracks = []
    for artist, albums in CATALOGUE:
        artist_mbid = _mbid(rng) if rng.random() < 0.7 else ""
        for album, has_art, titles in albums:
            album_mbid = _mbid(rng) if album and rng.random() < 0.6 else ""
            art = _art(rng) if has_art else ""
            for title in titles:
                tracks.append(
                    Track(
                        title=title,
                        artist=artist,
                        album=album,
                        track_mbid=_mbid(rng) if rng.random() < 0.6 else "",
                        artist_mbid=artist_mbid,
                        album_mbid=album_mbid,
                        art=art,
                        streamable=rng.random() < 0.1,
                    )
                )
    return tracks


def _seed_history(rng: random.Random, catalogue: list[Track], count: int, newest: int) -> list[Play]:
    """`count` plays going back from `newest`: sessions of a few tracks, days apart, some repeats."""
    by_key = {(track.artist, track.title): track for track in catalogue}
    repeated = by_key[REPEATED_TRACK]
    plays = [Play(repeated, newest, 0), Play(repeated, newest - 240, 0)]
    uts = newest - 240
    session_left = rng.randint(2, 10)
    previous = repeated
    while len(plays) < count:
        if session_left == 0:
            uts -= int(rng.uniform(0.5, 4.0) * 86400)
            session_left = rng.randint(2, 10)
        else:
            uts -= rng.randint(150, 330)
        track = previous if rng.random() < 0.03 else rng.choice(catalogue)
        plays.append(Play(track, uts, 0))
        previous = track
        session_left -= 1
    for seq, play in enumerate(reversed(plays)):
        play.seq = seq
    return plays


def _plays_after(rng: random.Random, catalogue: list[Track], newest: int, until: int) -> list[Play]:
    """Sessions of a few tracks, half a day to four days apart, from after `newest` up to `until`."""
    plays: list[Play] = []
    uts = newest
    while True:
        uts += int(rng.uniform(0.5, 4.0) * 86400)
        if uts > until:
            return plays
        for _ in range(rng.randint(2, 10)):
            plays.append(Play(rng.choice(catalogue), min(uts, until), 0))
            uts += rng.randint(150, 330)


def _seed_accounts(now: int) -> dict[str, Account]:
    rng = random.Random(SEED)
    catalogue = _seed_catalogue(rng)
    plays = _seed_history(rng, catalogue, SCROBBLE_COUNT, NEWEST_UTS)
    wiz = Account(
        name=USER,
        realname="Wiz",
        country="Sweden",
        registered=plays[-1].uts - 30 * 86400,
        avatar=_art(rng),
        plays=plays,
        loved={(t.artist.casefold(), t.title.casefold()) for t in catalogue if rng.random() < 0.3},
        now_playing=Track(**NOW_PLAYING),
    )
    wiz.loved.add((REPEATED_TRACK[0].casefold(), REPEATED_TRACK[1].casefold()))
    by_key = {(track.artist, track.title): track for track in catalogue}
    solo = Account(
        name=SINGLE_SCROBBLE_USER,
        registered=SOLO_UTS - 86400,
        plays=[Play(by_key[("Björk", "Jóga")], SOLO_UTS, 0)],
    )
    silent = Account(name=EMPTY_USER, realname="Silent", registered=1600000000)
    hidden = Account(
        name=PRIVATE_USER,
        realname="Hidden",
        country="Germany",
        registered=1650000000,
        private=True,
        plays=[Play(track, 1700000000 - i * 600, i) for i, track in enumerate(catalogue[:12])],
    )
    shift = (now - 600) - NEWEST_UTS
    demo = Account(
        name=DEMO_USER,
        realname="Demo",
        country="Sweden",
        registered=wiz.registered + shift,
        avatar=wiz.avatar,
        plays=[Play(play.track, play.uts + shift, play.seq) for play in plays],
        loved=set(wiz.loved),
    )
    accounts = (wiz, demo, solo, silent, hidden)
    for account in accounts:
        account.sort()
    return {account.name: account for account in accounts}


def _images(art: str, kind: str = "jpg") -> list[dict[str, str]]:
    return [
        {"size": size, "#text": f"{IMAGE_HOST}/{path}/{art}.{kind}" if art else ""}
        for size, path in IMAGE_SIZES
    ]


def _date_text(uts: int) -> str:
    return datetime.fromtimestamp(uts, tz=UTC).strftime("%d %b %Y, %H:%M")


class LastfmError(Exception):
    def __init__(self, code: int, status: int, message: str | None = None) -> None:
        super().__init__(message or MESSAGES.get(code, "Error"))
        self.code = code
        self.status = status
        self.message = message or MESSAGES.get(code, "Error")


@register
class LastfmService(Service):
    name = "lastfm"
    mounts = {"/lastfm/2.0": "lastfm"}
    # The demo (`make run`) gives its account this key and user, so a history is there to look at.
    env = {
        "LASTFM_API_URL": "/lastfm/2.0/",
        "DEMO_LASTFM_API_KEY": f"={VALID_API_KEY}",
        "DEMO_LASTFM_USER": f"={DEMO_USER}",
    }
    rules = [Rule("/lastfm/2.0/", endpoint="api", methods=["GET"])]

    def restore(self, state: dict[str, Any]) -> bool:
        """A restart keeps the accounts; the demo's history is carried on up to ten minutes ago."""
        if not super().restore(state):
            return False
        demo = self.accounts.get(DEMO_USER)
        if demo is not None and demo.plays:
            catalogue = list({(p.track.artist, p.track.title): p.track for p in demo.plays}.values())
            added = _plays_after(
                random.Random(demo.plays[0].uts), catalogue, demo.plays[0].uts, int(time.time()) - 600
            )
            for play in added:
                play.seq = self.next_seq
                self.next_seq += 1
            demo.plays[:0] = added
            demo.sort()
        return True

    def reset(self) -> None:
        self.accounts = _seed_accounts(int(time.time()))
        self.next_seq = 1 + max(play.seq for account in self.accounts.values() for play in account.plays)

    # --- errors ---------------------------------------------------------------------------

    @staticmethod
    def lastfm_error(code: int, status: int, message: str | None = None) -> Response:
        return json_response(
            {"error": code, "message": message or MESSAGES.get(code, "Error")}, status=status
        )

    def error_response(
        self, channel: str, status: int, message: str | None, fault: Fault | None = None
    ) -> Response:
        extra = fault.extra if fault else {}
        code = extra.get("code") or self._code_for_status(status)
        return self.lastfm_error(int(code), 200 if extra.get("http_200") else status, message)

    @staticmethod
    def _code_for_status(status: int) -> int:
        if status == 429:
            return 29
        if status == 503:
            return 11
        if status >= 500:
            return 8
        if status in (401, 403):
            return 10
        return 6

    # --- the API --------------------------------------------------------------------------

    def on_api(self, request: Request) -> Response:
        try:
            return json_response(self._answer(request.args))
        except LastfmError as error:
            return self.lastfm_error(error.code, error.status, error.message)

    def _answer(self, args: Any) -> dict[str, Any]:
        api_key = args.get("api_key", "")
        if api_key == SUSPENDED_API_KEY:
            raise LastfmError(26, 403)
        if api_key != VALID_API_KEY:
            raise LastfmError(10, 403)
        method = args.get("method", "").lower()
        if method == "user.getrecenttracks":
            return self._recent_tracks(args)
        if method == "user.getinfo":
            return self._user_info(args)
        raise LastfmError(3, 400)

    def _account(self, args: Any) -> Account:
        name = args.get("user", "")
        if not name:
            raise LastfmError(6, 400)
        account = self.accounts.get(name.casefold())
        if account is None:
            raise LastfmError(6, 404, "User not found")
        return account

    @staticmethod
    def _int(args: Any, name: str, default: int) -> int:
        try:
            return int(args.get(name, default))
        except ValueError:
            raise LastfmError(6, 400, f"Invalid parameters - {name} must be an integer") from None

    def _recent_tracks(self, args: Any) -> dict[str, Any]:
        account = self._account(args)
        limit = self._int(args, "limit", DEFAULT_LIMIT)
        page = self._int(args, "page", 1)
        if not 1 <= limit <= MAX_LIMIT:
            raise LastfmError(6, 400, f"limit param out of bounds (1-{MAX_LIMIT})")
        if page < 1:
            raise LastfmError(6, 400, "page param out of bounds (1-1000000)")
        if account.private:
            raise LastfmError(17, 403)
        extended = args.get("extended", "0") in ("1", "true")
        low = self._int(args, "from", 0) if "from" in args else None
        high = self._int(args, "to", 0) if "to" in args else None
        plays = [
            play
            for play in account.plays
            if (low is None or play.uts >= low) and (high is None or play.uts <= high)
        ]
        total = len(plays)
        items = [
            self._track(account, play.track, play.uts, extended)
            for play in plays[(page - 1) * limit :][:limit]
        ]
        if page == 1 and high is None and account.now_playing is not None:
            items.insert(0, self._track(account, account.now_playing, None, extended))
        return {
            "recenttracks": {
                "track": items[0] if len(items) == 1 else items,
                "@attr": {
                    "user": account.name,
                    "totalPages": str(math.ceil(total / limit)),
                    "page": str(page),
                    "perPage": str(limit),
                    "total": str(total),
                },
            }
        }

    def _track(self, account: Account, track: Track, uts: int | None, extended: bool) -> dict[str, Any]:
        if extended:
            artist: dict[str, Any] = {
                "url": _music_url(track.artist),
                "name": track.artist,
                "image": _images(""),
                "mbid": track.artist_mbid,
            }
        else:
            artist = {"mbid": track.artist_mbid, "#text": track.artist}
        item: dict[str, Any] = {"artist": artist}
        if extended:
            loved = (track.artist.casefold(), track.title.casefold()) in account.loved
            item["loved"] = "1" if loved else "0"
        item.update(
            {
                "streamable": "1" if track.streamable else "0",
                "image": _images(track.art),
                "mbid": track.track_mbid,
                "album": {"mbid": track.album_mbid, "#text": track.album},
                "name": track.title,
            }
        )
        if uts is None:
            item["@attr"] = {"nowplaying": "true"}
        item["url"] = _music_url(track.artist, track.title)
        if uts is not None:
            item["date"] = {"uts": str(uts), "#text": _date_text(uts)}
        return item

    def _user_info(self, args: Any) -> dict[str, Any]:
        account = self._account(args)
        return {
            "user": {
                "name": account.name,
                "realname": account.realname,
                "url": f"https://www.last.fm/user/{account.name}",
                "country": account.country,
                "age": "0",
                "gender": "n",
                "subscriber": "0",
                "playcount": str(len(account.plays)),
                "playlists": "0",
                "bootstrap": "0",
                "type": "user",
                "registered": {"unixtime": str(account.registered), "#text": account.registered},
                "image": _images(account.avatar, "png"),
            }
        }

    # --- admin ----------------------------------------------------------------------------

    def _admin_account(self, payload: dict[str, Any]) -> Account | Response:
        account = self.accounts.get(str(payload.get("user", "")).casefold())
        if account is None:
            return json_response({"error": f"no sandbox Last.fm user {payload.get('user')!r}"}, status=404)
        return account

    def admin_add_scrobbles(self, payload: dict[str, Any]) -> Response:
        account = self._admin_account(payload)
        if isinstance(account, Response):
            return account
        try:
            for entry in payload.get("tracks", []):
                track = Track(
                    title=entry["title"],
                    artist=entry["artist"],
                    album=entry.get("album", ""),
                    track_mbid=entry.get("track_mbid", ""),
                    artist_mbid=entry.get("artist_mbid", ""),
                    album_mbid=entry.get("album_mbid", ""),
                    art=_art_for(entry.get("album", "")),
                )
                account.plays.append(Play(track, int(entry["uts"]), self.next_seq))
                self.next_seq += 1
                if entry.get("loved"):
                    account.loved.add((track.artist.casefold(), track.title.casefold()))
        except (KeyError, TypeError, ValueError) as exc:
            return json_response({"error": f"each track needs title, artist and uts ({exc!r})"}, status=400)
        account.sort()
        return json_response({"added": len(payload.get("tracks", [])), "total": len(account.plays)})

    def admin_set_now_playing(self, payload: dict[str, Any]) -> Response:
        account = self._admin_account(payload)
        if isinstance(account, Response):
            return account
        entry = payload.get("track")
        if entry is None:
            account.now_playing = None
        else:
            if not isinstance(entry, dict) or not entry.get("title") or not entry.get("artist"):
                return json_response({"error": "track needs title and artist (or null)"}, status=400)
            account.now_playing = Track(
                title=entry["title"], artist=entry["artist"], album=entry.get("album", "")
            )
        return self.admin_state(payload)

    def admin_set_private(self, payload: dict[str, Any]) -> Response:
        account = self._admin_account(payload)
        if isinstance(account, Response):
            return account
        account.private = bool(payload.get("private", True))
        return self.admin_state(payload)

    def admin_state(self, payload: dict[str, Any]) -> Response:
        account = self._admin_account(payload)
        if isinstance(account, Response):
            return account
        playing = account.now_playing
        return json_response(
            {
                "user": account.name,
                "scrobbles": len(account.plays),
                "loved": len(account.loved),
                "now_playing": {"title": playing.title, "artist": playing.artist} if playing else None,
                "newest_uts": account.plays[0].uts if account.plays else None,
                "oldest_uts": account.plays[-1].uts if account.plays else None,
                "private": account.private,
            }
        )
