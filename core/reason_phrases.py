"""Daphne (Twisted) writes the status line from Twisted's own table, which lacks some codes: a 429
went out as `HTTP/1.1 429 Unknown Status`. Every code Python knows gets its phrase there."""

from __future__ import annotations

from http import HTTPStatus


def reason_phrases_complete() -> None:
    try:
        from twisted.web import http
    except ImportError:  # no daphne here: the server writes its own phrases
        return
    for status in HTTPStatus:
        http.RESPONSES.setdefault(status.value, status.phrase.encode())
