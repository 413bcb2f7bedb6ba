"""Issue 18 item 10: a 429 from daphne (`make run`, the browser tests) carries its reason phrase."""

from twisted.web import http


def test_twisted_knows_every_phrase_once_django_started():
    assert http.RESPONSES[429] == b"Too Many Requests"
    assert http.RESPONSES[451] == b"Unavailable For Legal Reasons"
    assert http.RESPONSES[404] == b"Not Found"  # Twisted's own are kept
