"""Issue 18 item 7: `make test` finds its Chromium without needing root: CHROMIUM_PATH names any
Chromium; Debian's is installed with sudo when the user is not root; without apt it says what to do."""

import os
import shutil
import subprocess
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make") or "make"


def make(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **({"PATH": path} if path else {})}
    return subprocess.run(  # noqa: S603 - our Makefile
        [MAKE, "--no-print-directory", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def fake_id(tmp_path: Path, uid: str) -> str:
    """A PATH whose `id -u` answers `uid` (`make -n` only prints the commands: nothing is installed)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (bin_dir / "id").chmod(0o755)
    return os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])


def test_a_chromium_named_by_chromium_path_is_used_as_it_is(tmp_path):
    browser = tmp_path / "my-chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)

    assert make("chromium", f"CHROMIUM_PATH={browser}").returncode == 0
    assert f'CHROMIUM_PATH="{browser}"' in make("-n", "test", f"CHROMIUM_PATH={browser}").stdout


def test_a_missing_chromium_path_is_refused_with_what_to_do(tmp_path):
    result = make("chromium", f"CHROMIUM_PATH={tmp_path / 'nowhere'}")

    assert result.returncode != 0
    assert "is not an executable Chromium" in result.stderr


def test_a_user_who_is_not_root_installs_debians_chromium_with_sudo(tmp_path):
    script = make("-n", "chromium", "CHROMIUM_PATH=/usr/bin/chromium", path=fake_id(tmp_path, "1000"))

    assert "sudo apt-get update" in script.stdout
    assert "sudo env DEBIAN_FRONTEND=noninteractive" in script.stdout


def test_root_installs_without_sudo(tmp_path):
    script = make("-n", "chromium", "CHROMIUM_PATH=/usr/bin/chromium", path=fake_id(tmp_path, "0"))

    assert "sudo" not in script.stdout
