"""Apple Music API (`https://api.music.apple.com/v1`) at `/apple-music/v1`, channel `apple-music`.

Every call needs `Authorization: Bearer <developer token>`: an ES256 JWT whose header has `kid` =
`APPLE_KEY_ID` and whose claims have `iss` = `APPLE_TEAM_ID`, an `iat` not in the future, an `exp` in
the future and at most 15,777,000 s (six months) after now and after `iat`, signed with
`APPLE_PRIVATE_KEY_PEM` (a fixed P-256 test key, shipped here like a MusicKit `.p8` file). Anything
else — a wrong kid or iss, a bad signature, an expired or over-long token, no token — answers
**401 with an empty body**, as Apple does.

- `GET /apple-music/v1/catalog/<storefront>/search?term=…&types=songs[&limit=1..25][&offset=]` →
  `{"results":{"songs":{"href","next"?,"data":[song…]}},"meta":{"results":{"order","rawOrder"}}}`;
  no match → `"results":{}`. A missing `term`/`types` or a bad `limit` → 400 `{"errors":[…]}`.
- `GET /apple-music/v1/catalog/<storefront>/songs/<id>` → `{"data":[song]}`; unknown id → 404 `errors`.
- `GET /apple-music/v1/me/storefront` also needs `Music-User-Token: APPLE_MUSIC_USER_TOKEN`; a missing or
  unknown one → 403 `{"errors":[{"title":"Forbidden",…,"code":"40300"}]}` [U: Apple's exact answer].
- Storefronts: us, gb, se, de, fr, jp; others → 400. The catalog: 36 seeded songs (ids from 1440000001).
Error codes in bodies (40000, 40005, 40300, 40400, 50000) are [U]; clients should read `status` first.

Admin (`POST /_sandbox/apple_music/<action>`): `revoke_key {"revoked": true|false}` (the key was revoked in
the developer portal: every token signed with it answers 401). Faults: 401 answers with an empty body.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import random
import uuid
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.faults import Fault
from sandbox.services import register
from sandbox.services.base import Service, json_response

APPLE_TEAM_ID = "SBXTEAM001"
APPLE_KEY_ID = "SBXKEY0001"
APPLE_PRIVATE_KEY_PEM = """-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgW9LS93BKzPFLwDBB
GBoKYqoS3e6GiBk22+mN6akBv3ahRANCAATqSvooeidn2YHlqmi2CwLjMyXbhRUn
jPLI8WhIOTT3FakKoAk/SHPCfBTc5MSTaZ9OxcsS3U0577T6slaOCzYw
-----END PRIVATE KEY-----
"""
APPLE_MUSIC_USER_TOKEN = "AmSBXmusicUserToken0000000000000000000000000000000000000000"
APPLE_USER_STOREFRONT = "se"
MAX_TOKEN_LIFETIME = 15_777_000
CLOCK_SKEW = 60
SEED = 5005

STOREFRONTS = {
    "us": "United States",
    "gb": "United Kingdom",
    "se": "Sweden",
    "de": "Germany",
    "fr": "France",
    "jp": "Japan",
}
ALBUMS = {
    "Nova Lane": (
        "Night Drive",
        ["Headlights", "Tail Lights", "Night Drive", "Overpass", "Neon Rain", "Exit 9"],
    ),
    "The Paper Harbour": ("Low Tide", ["Low Tide", "Gulls", "Pier Lights", "Salt", "Harbour Song", "Fog"]),
    "Sól Eyjar": ("Hraun", ["Hraun", "Jökull", "Ljós", "Fjara", "Vetur", "Norðurljós"]),
    "Kit O'Hara": (
        "Small Hours",
        ["Small Hours", "Kettle", "Don't Look Back", "Rain on Tin", "Ferry", "4 a.m."],
    ),
    "Dusk Runners": ("Satellites", ["Satellites", "Orbit", "Runway", "Static", "Afterburn", "Headlights"]),
    "Mira & the Moths": ("Porchlight", ["Porchlight", "Moth Song", "Lanterns", "Dim", "Glow", "Wings"]),
}

# --- ES256 verification in pure Python ---------------------------------------------------------
# The sandbox uses the standard library only, so it verifies P-256 signatures itself. Slow and not
# constant-time, which is fine for a fake that only ever checks signatures.

_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_A = _P - 3
_G = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)
# A PKCS#8 P-256 key (what `.p8` files hold) is this DER prefix followed by the 32-byte private scalar.
_PKCS8_P256_PREFIX = bytes.fromhex("308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420")

Point = tuple[int, int] | None


def _add(p: Point, q: Point) -> Point:
    if p is None:
        return q
    if q is None:
        return p
    (x1, y1), (x2, y2) = p, q
    if x1 == x2:
        if (y1 + y2) % _P == 0:
            return None
        slope = (3 * x1 * x1 + _A) * pow(2 * y1, -1, _P) % _P
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, _P) % _P
    x3 = (slope * slope - x1 - x2) % _P
    return x3, (slope * (x1 - x3) - y1) % _P


def _multiply(k: int, point: Point) -> Point:
    result: Point = None
    while k:
        if k & 1:
            result = _add(result, point)
        point = _add(point, point)
        k >>= 1
    return result


def public_point(private_key_pem: str) -> tuple[int, int]:
    """The public key (x, y) of a PKCS#8 P-256 private key."""
    body = "".join(line for line in private_key_pem.strip().splitlines() if "-----" not in line)
    der = base64.b64decode(body)
    if not der.startswith(_PKCS8_P256_PREFIX):
        raise ValueError("not a PKCS#8 P-256 private key")
    scalar = int.from_bytes(der[len(_PKCS8_P256_PREFIX) : len(_PKCS8_P256_PREFIX) + 32], "big")
    point = _multiply(scalar, _G)
    assert point is not None
    return point


def es256_verify(public: tuple[int, int], message: bytes, signature: bytes) -> bool:
    """ECDSA P-256 / SHA-256 over a JWS signature (raw R‖S, 64 bytes)."""
    if len(signature) != 64:
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (0 < r < _N and 0 < s < _N):
        return False
    digest = int.from_bytes(hashlib.sha256(message).digest(), "big")
    inverse = pow(s, -1, _N)
    point = _add(_multiply(digest * inverse % _N, _G), _multiply(r * inverse % _N, public))
    return point is not None and point[0] % _N == r


APPLE_PUBLIC_POINT = public_point(APPLE_PRIVATE_KEY_PEM)


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def developer_token_is_valid(token: str, *, now: float) -> bool:
    try:
        header_part, claims_part, signature_part = token.split(".")
        header = json.loads(_b64decode(header_part))
        claims = json.loads(_b64decode(claims_part))
        signature = _b64decode(signature_part)
    except (ValueError, binascii.Error):
        return False
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return False
    if (
        header.get("alg") != "ES256"
        or header.get("kid") != APPLE_KEY_ID
        or claims.get("iss") != APPLE_TEAM_ID
    ):
        return False
    issued, expires = claims.get("iat"), claims.get("exp")
    if not isinstance(issued, int) or not isinstance(expires, int):
        return False
    if issued > now + CLOCK_SKEW or expires <= now:
        return False
    if expires - issued > MAX_TOKEN_LIFETIME or expires > now + MAX_TOKEN_LIFETIME:
        return False
    return es256_verify(APPLE_PUBLIC_POINT, f"{header_part}.{claims_part}".encode(), signature)


# --- the catalog -------------------------------------------------------------------------------


def build_catalog(seed: int = SEED) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    songs: list[dict[str, Any]] = []
    for artist, (album, titles) in ALBUMS.items():
        year = rng.randrange(2012, 2026)
        for number, title in enumerate(titles, start=1):
            songs.append(
                {
                    "id": str(1440000001 + len(songs)),
                    "name": title,
                    "artistName": artist,
                    "albumName": album,
                    "durationInMillis": rng.randrange(140_000, 330_000),
                    "isrc": f"USXX1{year % 100:02d}{len(songs) + 1:05d}",
                    "trackNumber": number,
                    "releaseDate": f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                    "genreNames": [rng.choice(["Alternative", "Pop", "Electronic", "Indie Pop"]), "Music"],
                }
            )
    return songs


def song_resource(song: dict[str, Any], storefront: str) -> dict[str, Any]:
    slug = song["albumName"].lower().replace(" ", "-")
    attributes = {key: value for key, value in song.items() if key != "id"}
    attributes.update(
        {
            "url": f"https://music.apple.com/{storefront}/album/{slug}/{song['id']}?i={song['id']}",
            "artwork": {
                "url": f"https://is1-ssl.mzstatic.com/image/thumb/Music/{song['id']}/{{w}}x{{h}}bb.jpg",
                "width": 3000,
                "height": 3000,
            },
            "playParams": {"id": song["id"], "kind": "song"},
        }
    )
    return {
        "id": song["id"],
        "type": "songs",
        "href": f"/v1/catalog/{storefront}/songs/{song['id']}",
        "attributes": attributes,
    }


def apple_errors(status: int, title: str, detail: str, code: str, **extra: Any) -> Response:
    error = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, detail)).upper(), "title": title, "detail": detail}
    error.update({"status": str(status), "code": code, **extra})
    return json_response({"errors": [error]}, status=status)


def empty_401() -> Response:
    return Response(b"", status=401)


@register
class AppleMusicService(Service):
    name = "apple_music"
    mounts = {"/apple-music/v1": "apple-music"}
    env = {"APPLE_MUSIC_API_URL": "/apple-music/v1"}
    rules = [
        Rule("/apple-music/v1/catalog/<storefront>/search", endpoint="search", methods=["GET"]),
        Rule("/apple-music/v1/catalog/<storefront>/songs/<song_id>", endpoint="song", methods=["GET"]),
        Rule("/apple-music/v1/me/storefront", endpoint="my_storefront", methods=["GET"]),
    ]

    def reset(self) -> None:
        self.catalog = build_catalog()
        self.key_revoked = False

    def error_response(
        self, channel: str, status: int, message: str | None, fault: Fault | None = None
    ) -> Response:
        if status == 401:
            return empty_401()
        titles = {404: "Resource Not Found", 429: "Too Many Requests", 500: "Internal Server Error"}
        title = titles.get(status, "Error")
        return apple_errors(status, title, message or title, f"{status}00")

    def token_fault_response(self, channel: str, request: Request, fault: Fault) -> Response:
        return empty_401()

    def dispatch(self, channel: str, request: Request) -> Response:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        if self.key_revoked or not developer_token_is_valid(token, now=self.now()):
            return empty_401()
        return super().dispatch(channel, request)

    def _storefront_error(self, storefront: str) -> Response | None:
        if storefront in STOREFRONTS:
            return None
        return apple_errors(400, "Invalid Storefront", f"Storefront '{storefront}' is not supported", "40000")

    def on_search(self, request: Request, storefront: str) -> Response:
        error = self._storefront_error(storefront)
        if error is not None:
            return error
        args = request.args
        for name in ("term", "types"):
            if not args.get(name):
                return apple_errors(
                    400,
                    "Missing Parameter",
                    f"Missing required parameter '{name}'",
                    "40005",
                    source={"parameter": name},
                )
        try:
            limit, offset = int(args.get("limit", "5")), int(args.get("offset", "0"))
        except ValueError:
            limit, offset = -1, -1
        if not 1 <= limit <= 25 or offset < 0:
            return apple_errors(
                400,
                "Invalid Parameter Value",
                "Value must be an integer between 1 and 25",
                "40005",
                source={"parameter": "limit"},
            )
        results: dict[str, Any] = {}
        order: list[str] = []
        if "songs" in args["types"].split(","):
            words = args["term"].lower().replace("+", " ").split()
            found = [
                song
                for song in self.catalog
                if all(
                    word in f"{song['name']} {song['artistName']} {song['albumName']}".lower()
                    for word in words
                )
            ]
            if found:
                href = f"/v1/catalog/{storefront}/search?limit={limit}&term={args['term']}&types=songs"
                songs: dict[str, Any] = {"href": href}
                if offset + limit < len(found):
                    songs["next"] = f"{href}&offset={offset + limit}"
                songs["data"] = [song_resource(song, storefront) for song in found[offset : offset + limit]]
                results["songs"] = songs
                order.append("songs")
        return json_response({"results": results, "meta": {"results": {"order": order, "rawOrder": order}}})

    def on_song(self, request: Request, storefront: str, song_id: str) -> Response:
        error = self._storefront_error(storefront)
        if error is not None:
            return error
        for song in self.catalog:
            if song["id"] == song_id:
                return json_response({"data": [song_resource(song, storefront)]})
        return apple_errors(404, "Resource Not Found", "Resource with requested id was not found", "40400")

    def on_my_storefront(self, request: Request) -> Response:
        if request.headers.get("Music-User-Token") != APPLE_MUSIC_USER_TOKEN:
            return apple_errors(403, "Forbidden", "Invalid authentication", "40300")
        storefront = APPLE_USER_STOREFRONT
        return json_response(
            {
                "data": [
                    {
                        "id": storefront,
                        "type": "storefronts",
                        "href": f"/v1/storefronts/{storefront}",
                        "attributes": {
                            "name": STOREFRONTS[storefront],
                            "defaultLanguageTag": "sv-SE",
                            "supportedLanguageTags": ["sv-SE", "en-GB"],
                            "explicitContentPolicy": "allowed",
                        },
                    }
                ]
            }
        )

    def admin_revoke_key(self, payload: dict[str, Any]) -> Response:
        self.key_revoked = bool(payload.get("revoked", True))
        return json_response({"revoked": self.key_revoked})
