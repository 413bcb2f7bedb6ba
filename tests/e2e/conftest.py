"""End-to-end: the real server (daphne, ASGI: pages, API and WebSockets) and the sandbox, each in its
own process, driven by Debian's Chromium through Playwright. The server has its own fresh database,
so these tests use no pytest-django database at all."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
# Any Chromium already here (`make test CHROMIUM_PATH=…`); Debian's by default. Never downloaded.
CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
SCREENSHOTS = BASE_DIR / "test-output" / "screenshots"
ADMIN_EMAIL = "demo@musichub.local"
ADMIN_PASSWORD = "musichub-demo"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, url: str, env: dict[str, str]) -> None:
        self.url = url
        self.env = env

    def manage(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603 - our manage.py
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        return result.stdout


@pytest.fixture(scope="session")
def e2e_server(sandbox_server) -> Iterator[Server]:
    scratch = Path(tempfile.mkdtemp(prefix="musichub-e2e-"))
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST")) and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(sandbox_server.env)
    env.update(
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{scratch / 'e2e.sqlite3'}",
        MEDIA_ROOT=str(scratch / "media"),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SPOTIFY_REDIRECT_URI=f"http://127.0.0.1:{port}/spotify/redirect",
        LISTENING_SYNC_MINUTES="0",
        TASKS_IN_THREADS="true",
        AUTH_THROTTLE_RATE="1000/minute",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    server = Server(f"http://127.0.0.1:{port}", env)
    server.manage("migrate", "--noinput", "-v0")
    server.manage("create_demo_user")
    server.manage("seed_songs")
    server.manage("seed_albums")
    process = subprocess.Popen(  # noqa: S603 - our ASGI app
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(scratch / "server.log", "w"),  # noqa: SIM115
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{server.url}/health/", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError((scratch / "server.log").read_text()[-3000:]) from None
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"No Chromium at {CHROMIUM}: `make test` installs Debian's chromium package (with apt-get, as "
            "root or through sudo); without apt, install any Chromium and set CHROMIUM_PATH to it."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield browser
        browser.close()


class BrowserProblems:
    """What went wrong in the browsers of one test: CSP violations, uncaught errors, console errors."""

    # Every `securitypolicyviolation` event, reported to Python as it happens (full page loads too).
    REPORTER = """document.addEventListener("securitypolicyviolation", (event) => window.__cspViolation({
        directive: event.violatedDirective, blocked: event.blockedURI, source: event.sourceFile,
        line: event.lineNumber, sample: event.sample, page: location.href}));"""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.violations: list[dict] = []
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []

    def watch(self, context) -> None:
        context.expose_binding("__cspViolation", lambda source, violation: self.violations.append(violation))
        context.add_init_script(self.REPORTER)
        context.on("page", self._watch_page)

    def _watch_page(self, page) -> None:
        page.on("pageerror", lambda error: self.page_errors.append(f"{page.url}: {error}"))
        page.on("console", lambda message: self._console(page, message))

    def _console(self, page, message) -> None:
        if message.type != "error":
            return
        where = (message.location or {}).get("url", "")
        if message.text.startswith("Failed to load resource") and (
            not where.startswith(self.origin) or where.endswith("/favicon.ico")
        ):
            return  # album art on the real CDNs (this machine is offline); the site has no favicon
        self.console_errors.append(f"{page.url}: {message.text} ({where})")

    def csp_problems(self) -> list[str]:
        """Violations, and console lines about the CSP or Permissions-Policy (unknown feature names)."""
        about_policy = [
            line
            for line in self.console_errors
            if "Content Security Policy" in line or "Permissions-Policy" in line
        ]
        return [str(violation) for violation in self.violations] + about_policy


@pytest.fixture
def new_page(chromium, e2e_server):
    """`new_page(width=1280, height=800, timezone_id=None)`: a fresh browser (own cookies) on the server.

    Every page of every browser test runs under the Content-Security-Policy: a violation, or a
    JavaScript error, fails the test."""
    contexts = []
    problems = BrowserProblems(e2e_server.url)

    def make(width: int = 1280, height: int = 800, timezone_id: str | None = None):
        zone = {"timezone_id": timezone_id} if timezone_id else {}  # the browser's zone (Intl)
        context = chromium.new_context(
            base_url=e2e_server.url, viewport={"width": width, "height": height}, **zone
        )
        context.set_default_timeout(15000)
        problems.watch(context)
        contexts.append(context)
        return context.new_page()

    make.problems = problems
    yield make
    for context in contexts:
        context.close()
    assert problems.csp_problems() == [], problems.csp_problems()
    assert problems.page_errors == [], problems.page_errors


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header belongs at the top of a full-page shot
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> None:
    page.goto("/signin")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/")


def sign_up(page, email: str, name: str, password: str = "a-Long-passphrase-9") -> None:  # noqa: S107
    page.goto("/signup")
    page.fill("input[name=full_name]", name)
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/connections")


def connect_spotify(page) -> None:
    """From /connections: Connect Spotify, agree on the sandbox's consent page, back home."""
    page.goto("/connections")
    page.click("#service-spotify button:has-text('Connect Spotify')")
    page.wait_for_selector("text=Agree")
    page.click("button:has-text('Agree')")
    page.wait_for_url("**/connections?spotify=connected")
