"""core.error_codes.ErrorCode is the one catalogue of `code`s: everything the product answers is in it,
and the schema lists it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.error_codes import ErrorCode
from providers import base as provider_errors

ROOT = Path(__file__).resolve().parents[2]
APPS = ("core", "users", "credentials", "listening", "musics", "messaging", "rooms", "web", "providers")
# A code written as a string where an error is made: `code="x"`, `code = "x"`, `"code": "x"`.
LITERAL = re.compile(r'''\bcode\s*=\s*"([a-z_]+)"|"code":\s*"([a-z_]+)"''')


def _subclasses(cls: type) -> list[type]:
    return [cls, *(sub for child in cls.__subclasses__() for sub in _subclasses(child))]


def test_codes_are_unique_and_lower_snake_case():
    values = [code.value for code in ErrorCode]
    assert len(values) == len(set(values))
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", value) for value in values)


def test_no_code_outside_the_catalogue_in_the_product():
    strays = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                for match in LITERAL.finditer(line):
                    value = match.group(1) or match.group(2)
                    if value not in {code.value for code in ErrorCode}:
                        strays.append(f"{path.relative_to(ROOT)}:{number}: {value}")
    # Django form errors on pages are the form's own, not API codes.
    strays = [stray for stray in strays if not stray.startswith("web/forms.py")]
    assert strays == []


def test_every_provider_error_has_a_catalogued_code():
    names = {cls.code_name for cls in _subclasses(provider_errors.ProviderError)}
    assert names <= {code.value for code in ErrorCode}


def test_the_schema_lists_every_code_each_time_it_is_generated(client):
    for _ in range(2):  # the enum hook once rewrote the shared Error schema in place
        schema = client.get("/api/schema/?format=json").json()

        code = schema["components"]["schemas"]["Error"]["properties"]["code"]
        assert code == {"$ref": "#/components/schemas/ErrorCodeEnum"}
        assert schema["components"]["schemas"]["ErrorCodeEnum"]["enum"] == [c.value for c in ErrorCode]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "headers", "expected"),
    [
        ("get", "/api/users/", {}, ErrorCode.NOT_AUTHENTICATED),
        ("get", "/api/users/", {"HTTP_AUTHORIZATION": "Token nope"}, ErrorCode.AUTHENTICATION_FAILED),
        ("get", "/api/users/", {"HTTP_AUTHORIZATION": "Bearer nope"}, ErrorCode.TOKEN_NOT_VALID),
        ("delete", "/api/auth/login/", {}, ErrorCode.METHOD_NOT_ALLOWED),
        ("get", "/api/no-such-thing/", {}, ErrorCode.NOT_FOUND),
    ],
)
def test_errors_from_drf_itself_answer_catalogued_codes(client, method, path, headers, expected):
    response = getattr(client, method)(path, **headers)

    assert response.json()["code"] == expected
