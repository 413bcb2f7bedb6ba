"""A new user drops their Spotify export on Connections, sees the dry run's counts, imports it, and
History shows the plays."""

import io
import zipfile
from pathlib import Path

from tests.e2e.conftest import shot, sign_up

FIXTURES = Path(__file__).resolve().parents[1] / "imports" / "fixtures"


def spotify_zip(folder: Path) -> Path:
    path = folder / "my_spotify_data.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "Spotify Extended Streaming History/Streaming_History_Audio_2023.json",
            (FIXTURES / "spotify_streaming_2023.json").read_bytes(),
        )
    path.write_bytes(buffer.getvalue())
    return path


def test_dry_run_then_import_a_spotify_export(new_page, tmp_path):
    page = new_page()
    sign_up(page, "importer@example.com", "Ida Importer")

    page.goto("/connections")
    page.set_input_files("#import-file", str(spotify_zip(tmp_path)))
    page.click("#import button:has-text('Upload')")
    page.wait_for_selector("#import .job[data-status='done']", timeout=20_000)
    panel = page.text_content("#import")
    assert "4 listens to add" in panel
    assert "Left out (1): 1 skipped in under 30 s." in panel
    shot(page, "connections-import-dry-run")

    page.click("#import button:has-text('Import these 4 listens')")
    page.wait_for_selector("#import .job:has-text('4 listens added')[data-status='done']", timeout=20_000)

    page.goto("/history")
    history = page.text_content("main")
    assert "Calm Down" in history
    assert "Beqaaboo" not in history  # the 2 s skip is not a listen
