"""A person at the sandbox's Spotify consent page: opens the authorization URL and clicks a button."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx


def consent(authorization_url: str, *, decision: str = "approve", user: str = "wizzler") -> str:
    """Where Spotify sends the browser back (the redirect URI with `code`/`error` and `state`)."""
    page = httpx.get(authorization_url, timeout=10)
    assert page.status_code == 200, page.text[:300]
    assert 'action="/spotify-accounts/authorize/decision"' in page.text
    parts = urlsplit(authorization_url)
    form = {name: values[0] for name, values in parse_qs(parts.query).items()}
    answer = httpx.post(
        f"{parts.scheme}://{parts.netloc}/spotify-accounts/authorize/decision",
        data={**form, "decision": decision, "user": user},
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:300]
    return answer.headers["Location"]


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
