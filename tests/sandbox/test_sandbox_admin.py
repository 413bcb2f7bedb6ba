"""The sandbox's own plumbing: health, env, faults, call log, reset."""

import json
import urllib.error
import urllib.request

import pytest


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_health_lists_services(sandbox):
    status, body = get(sandbox.url + "/_sandbox/health")

    assert status == 200
    assert body["status"] == "ok"


def test_env_points_every_setting_at_the_sandbox(sandbox, settings):
    for name, value in sandbox.env.items():
        if value.startswith("http"):
            assert value.startswith(sandbox.url), name
        assert getattr(settings, name) == value


def test_unknown_paths_are_404(sandbox):
    status, body = get(sandbox.url + "/nowhere")

    assert status == 404
    assert "no provider" in body["error"]


def test_an_unknown_fault_kind_is_refused(sandbox):
    with pytest.raises(urllib.error.HTTPError) as caught:
        sandbox.fault("anything", kind="explode")

    assert caught.value.code == 400
