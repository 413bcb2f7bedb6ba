"""The seed's example scripts run, against the sandbox, as a person would run them."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db
def test_music_platform_usage(sandbox):
    lines: list[str] = []

    load("music_platform_usage").main(out=lines.append)

    assert "Spotify credentials are valid" in lines
    assert "✅ YouTube Music credentials are valid!" in lines
    assert any(line.startswith("youtube_music: ") for line in lines)


@pytest.mark.django_db
def test_spotify_oauth_example(sandbox):
    lines: list[str] = []

    load("spotify_oauth_example").main(out=lines.append)

    assert "Valid: True" in lines
    assert any(line.startswith("Tokens saved") for line in lines)
    assert any(line.startswith("Refreshed") for line in lines)
    assert not any("BQ" in line for line in lines)


def test_the_examples_run_as_scripts(sandbox, tmp_path):
    """From a shell, against the running sandbox, on a fresh database."""
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'examples.sqlite3'}",
        "DEBUG": "true",
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120
    )
    for name in ("music_platform_usage", "spotify_oauth_example"):
        result = subprocess.run(  # noqa: S603
            [sys.executable, f"examples/{name}.py", "--sandbox", sandbox.url],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert "valid" in result.stdout.lower()


@pytest.mark.django_db
def test_the_examples_leave_the_active_spotify_credential_alone(sandbox):
    """Issue 18 item 9: run beside the demo, an example does not replace the credential it uses."""
    from credentials.utils import create_platform_credential, get_active_credential_for_platform

    demo = create_platform_credential(
        platform_name="spotify", client_id="demo-id", client_secret="demo-secret", description="The demo's"
    )
    lines: list[str] = []
    for name in ("music_platform_usage", "spotify_oauth_example"):
        load(name).main(out=lines.append)
        assert get_active_credential_for_platform("spotify").pk == demo.pk, name

    assert f"The active Spotify credential stays {demo} (id {demo.pk}); the new one is inactive." in lines
