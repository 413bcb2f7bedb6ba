"""Export files imported through the real job path, against Maloja's `maloja import` of the same file.

    .venv/bin/python benchmarks/import.py [--plays 100000] [--million] [--maloja PATH/TO/VENV/bin/maloja]
        [--database-url URL] [--database-prefix musichub_imp]

Generates, in a temporary folder, a Spotify Extended Streaming History ZIP and a Last.fm ghan JSON of
`--plays` plays each (3,000 tracks by 400 artists chosen Zipf-like, three years of plays, 4 % of them
short skips). Creates `<prefix>_<pid>` on the PostgreSQL server (dropped at the end, even on failure) and
imports each file for a new user in a child process, through `import_start` (the upload stored, checked,
the job queued) and the job run (`import_run`, as the worker runs it), timed from the upload to the job's
`done`; the child reports its peak RSS. `--million` also imports a 1,000,000-play Spotify ZIP (peak RSS).

Maloja (`pip install malojaserver` into its own venv, never MusicHub's): the same ghan JSON with
`maloja import` into an empty data directory (MALOJA_DATA_DIRECTORY, MALOJA_SKIP_SETUP=yes), timed the
same way; MusicHub's rate on that file is printed as a ratio to Maloja's. Without Maloja, MusicHub's
figures alone are printed. Figures are this machine's; the ratio is what to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from common import DEFAULT_SERVER_URL, scratch_django

START = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp())
SPAN = 3 * 365 * 24 * 3600
MAX_MEMBER_ROWS = 20_000  # Spotify splits its export into files of about 10-12 MB


def catalog(seed: int = 7) -> list[tuple[str, str, str, str]]:
    """3,000 tracks (title, artist, album, uri); artists drawn Zipf-like from 400."""
    rng = random.Random(seed)
    artists = [f"Artist {n:03d}" for n in range(400)]
    weights = [1 / (rank + 1) for rank in range(len(artists))]
    tracks = []
    for number in range(3000):
        artist = rng.choices(artists, weights)[0]
        tracks.append(
            (f"Track {number:04d}", artist, f"Album {number // 12:03d}", f"spotify:track:{number:022d}")
        )
    return tracks


def plays(total: int, seed: int = 11) -> list[tuple[int, tuple[str, str, str, str], int, bool]]:
    """(end time, track, ms played, skipped) oldest first, spread over three years."""
    rng = random.Random(seed)
    tracks = catalog()
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(tracks))]
    chosen = rng.choices(tracks, weights, k=total)
    step = SPAN / total
    out = []
    for number, track in enumerate(chosen):
        skipped = rng.random() < 0.04
        played = rng.randint(1000, 25_000) if skipped else rng.randint(60_000, 320_000)
        out.append(
            (START + int(number * step) + rng.randint(0, max(0, int(step) - 1)), track, played, skipped)
        )
    return out


def spotify_zip(path: Path, total: int) -> int:
    """The ZIP as Spotify sends it; returns how many rows are listens by the import rules."""
    listens = 0
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "Spotify Extended Streaming History/ReadMeFirst_ExtendedStreamingHistory.pdf", b"%PDF-1.4"
        )
        rows = plays(total)
        for part, start in enumerate(range(0, len(rows), MAX_MEMBER_ROWS)):
            chunk = rows[start : start + MAX_MEMBER_ROWS]
            name = f"Spotify Extended Streaming History/Streaming_History_Audio_{part}.json"
            with archive.open(name, "w") as member:
                member.write(b"[\n")
                for number, (ended, (title, artist, album, uri), played, skipped) in enumerate(chunk):
                    listens += not skipped
                    row = {
                        "ts": datetime.fromtimestamp(ended, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "platform": "android",
                        "ms_played": played,
                        "conn_country": "SE",
                        "ip_addr": "203.0.113.7",
                        "master_metadata_track_name": title,
                        "master_metadata_album_artist_name": artist,
                        "master_metadata_album_album_name": album,
                        "spotify_track_uri": uri,
                        "episode_name": None,
                        "episode_show_name": None,
                        "spotify_episode_uri": None,
                        "audiobook_title": None,
                        "audiobook_uri": None,
                        "audiobook_chapter_uri": None,
                        "audiobook_chapter_title": None,
                        "reason_start": "trackdone",
                        "reason_end": "fwdbtn" if skipped else "trackdone",
                        "shuffle": False,
                        "skipped": skipped,
                        "offline": False,
                        "offline_timestamp": ended,
                        "incognito_mode": False,
                    }
                    member.write((b",\n" if number else b"") + json.dumps(row).encode())
                member.write(b"\n]")
    return listens


def ghan_json(path: Path, total: int) -> int:
    """lastfm.ghan.nl's export: an array of API pages of 200 tracks, newest first."""
    rows = plays(total)[::-1]
    with path.open("w") as out:
        out.write("[")
        for page, start in enumerate(range(0, len(rows), 200)):
            tracks = [
                {
                    "artist": {"mbid": "", "#text": artist},
                    "streamable": "0",
                    "image": [{"size": "small", "#text": ""}, {"size": "extralarge", "#text": ""}],
                    "mbid": "",
                    "album": {"mbid": "", "#text": album},
                    "name": title,
                    "url": "https://www.last.fm/music/" + f"{artist}/_/{title}".replace(" ", "+"),
                    "date": {
                        "uts": str(ended),
                        "#text": datetime.fromtimestamp(ended, UTC).strftime("%d %b %Y, %H:%M"),
                    },
                }
                for ended, (title, artist, album, _), _, _ in rows[start : start + 200]
            ]
            attr = {"user": "wiz", "page": str(page + 1), "perPage": "200", "total": str(len(rows))}
            out.write(("," if page else "") + json.dumps({"track": tracks, "@attr": attr}))
        out.write("]")
    return len(rows)


# --- one import, in its own process (its own peak RSS) -------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak RSS. Linux's VmHWM: ru_maxrss keeps the parent's peak across fork and exec,
    and the parent held the generated plays."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(file: Path) -> None:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    django.setup()
    from django.conf import settings
    from django.core.files import File

    settings.DEBUG = False
    from listening import import_jobs
    from listening.models import ImportJob
    from tests.factories import UserFactory

    user = UserFactory(email=f"import-{os.getpid()}-{time.time_ns()}@example.com")
    started = time.perf_counter()
    with file.open("rb") as handle:
        job = import_jobs.import_start(user=user, upload=File(handle, name=file.name))
    job = ImportJob.objects.get(pk=job.pk)
    if job.is_active:  # queued on commit: run it here as the worker would
        import_jobs.import_run(job.pk)
        job.refresh_from_db()
    seconds = time.perf_counter() - started
    peak_mb = peak_rss_mb()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "status": job.status,
                "imported": job.imported,
                "rows": job.rows_read,
                "skipped": job.skipped,
                "peak_mb": peak_mb,
                "error": job.last_error,
            }
        )
    )


def run_child(file: Path) -> dict:
    env = {**os.environ, "TASKS_IN_THREADS": "false", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run(  # noqa: S603 - this script itself, with a file it made
        [sys.executable, __file__, "--child", str(file)], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


MALOJA_VENV = Path(__file__).resolve().parent / ".maloja-venv"
MALOJA_VERSION = "3.2.3"  # the release measured in benchmarks/README.md


def find_maloja(*, install: bool) -> Path | None:
    """Maloja's command: $MALOJA_BIN, `maloja` on PATH, or its own venv beside this file (made here with
    pip from PyPI when missing: the peer is measured in the same run, never installed into MusicHub's)."""
    for candidate in (
        os.environ.get("MALOJA_BIN"),
        shutil.which("maloja"),
        str(MALOJA_VENV / "bin" / "maloja"),
    ):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    if not install:
        return None
    print(f"  installing Maloja {MALOJA_VERSION} into {MALOJA_VENV} (once) ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(MALOJA_VENV)], check=True)  # noqa: S603 - fixed args
        subprocess.run(  # noqa: S603 - a pinned package into the benchmark's own venv
            [str(MALOJA_VENV / "bin" / "pip"), "install", "--quiet", f"malojaserver=={MALOJA_VERSION}"],
            check=True,
            timeout=900,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"  Maloja could not be installed: {exc}")
        return None
    return MALOJA_VENV / "bin" / "maloja"


def run_maloja(maloja: Path, file: Path, folder: Path) -> dict | None:
    data = folder / "maloja-data"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir()
    env = {**os.environ, "MALOJA_DATA_DIRECTORY": str(data), "MALOJA_SKIP_SETUP": "yes"}
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - the Maloja the operator named, on a file this script made
        [str(maloja), "import", str(file)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        input="y\n" * 5,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        print(f"Maloja failed ({done.returncode}): {(done.stdout + done.stderr)[-1500:]}")
        return None
    return {"seconds": seconds, "output": (done.stdout + done.stderr)[-600:]}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--plays", type=int, default=100_000)
    parser.add_argument("--million", action="store_true", help="also import a 1,000,000-play ZIP (peak RSS)")
    parser.add_argument(
        "--maloja",
        type=Path,
        default=None,
        help="Maloja's command, in its own venv (default: $MALOJA_BIN, maloja on PATH, or the benchmark "
        "installs it into benchmarks/.maloja-venv)",
    )
    parser.add_argument("--no-install", action="store_true", help="do not install Maloja when it is missing")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER_URL))
    parser.add_argument("--database-prefix", default="musichub_imp")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    folder = Path(tempfile.mkdtemp(prefix="musichub_imp_"))
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    try:
        spotify, ghan = folder / "my_spotify_data.zip", folder / "recenttracks-wiz.json"
        started = time.perf_counter()
        spotify_listens = spotify_zip(spotify, args.plays)
        ghan_listens = ghan_json(ghan, args.plays)
        print(
            f"Files: {args.plays:,} plays each (Spotify ZIP {spotify.stat().st_size / 1e6:.1f} MB, "
            f"ghan JSON {ghan.stat().st_size / 1e6:.1f} MB), made in {time.perf_counter() - started:.1f} s"
        )
        results = {}
        with scratch_django(args.database_url, prefix=args.database_prefix):
            from common import server_version

            print(f"MusicHub on {server_version()}, job path (import_start + import_run), one process each:")
            for label, file, listens in (
                ("Spotify ZIP", spotify, spotify_listens),
                ("ghan JSON", ghan, ghan_listens),
            ):
                result = run_child(file)
                assert result["status"] == "done", result
                assert result["imported"] == listens, result
                results[label] = result
                print(
                    f"  {label:12s} {args.plays / result['seconds']:8,.0f} plays/s  "
                    f"({result['seconds']:.1f} s, {result['imported']:,} listens, "
                    f"skipped {result['skipped']}, peak RSS {result['peak_mb']:.0f} MB)"
                )
            if args.million:
                big = folder / "my_spotify_data_1m.zip"
                listens = spotify_zip(big, 1_000_000)
                result = run_child(big)
                assert result["status"] == "done", result
                assert result["imported"] == listens, result
                print(
                    f"  1,000,000-play Spotify ZIP: {1_000_000 / result['seconds']:,.0f} plays/s "
                    f"({result['seconds']:.1f} s), peak RSS {result['peak_mb']:.0f} MB"
                )
                big.unlink()
        maloja_bin = args.maloja or find_maloja(install=not args.no_install)
        if maloja_bin is not None and maloja_bin.exists():
            maloja = run_maloja(maloja_bin, ghan, folder)
            if maloja:
                rate = args.plays / maloja["seconds"]
                ours = args.plays / results["ghan JSON"]["seconds"]
                print(
                    f"Maloja `maloja import` of the ghan JSON: {rate:,.0f} plays/s "
                    f"({maloja['seconds']:.1f} s)"
                )
                print(f"MusicHub / Maloja on the same file: {ours / rate:.2f}x (target >= 2x)")
        else:
            print(
                f"Maloja not found ({maloja_bin or 'not installed'}): MusicHub's figures alone "
                "(install it into its own venv: pip install malojaserver)"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
