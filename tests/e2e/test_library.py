"""An admin uploads a song; another browser finds it, plays it and seeks (HTTP Range)."""

import io
import math
import struct
import wave

from tests.e2e.conftest import shot, sign_in, sign_up


def tone(seconds: float = 12.0, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        samples = (int(6000 * math.sin(2 * math.pi * 330 * n / rate)) for n in range(int(seconds * rate)))
        out.writeframes(b"".join(struct.pack("<h", sample) for sample in samples))
    return buffer.getvalue()


def test_an_admin_uploads_and_a_listener_plays_and_seeks(new_page):
    admin = new_page()
    sign_in(admin)
    shot(admin, "home")
    admin.goto("/library")
    admin.click("summary:has-text('Upload a song')")
    # Dropping the file on the zone fills the form's file input (as a person dragging it in would).
    admin.evaluate(
        """bytes => {
            const file = new File([new Uint8Array(bytes)], "e2e tone.wav", {type: "audio/wav"});
            const data = new DataTransfer();
            data.items.add(file);
            const zone = document.getElementById("dropzone");
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true}));
        }""",
        list(tone()),
    )
    assert "Ready: e2e tone.wav" in admin.text_content("#dropzone")
    admin.fill("input[name=title]", "E2E Tone")
    admin.fill("input[name=artist]", "The Testers")
    admin.click("#upload-form button[type=submit]")
    admin.wait_for_selector("text=“E2E Tone” by The Testers is in the library.")
    shot(admin, "library")

    listener = new_page(width=390, height=844)  # a phone
    sign_up(listener, "listener@example.com", "Lena Listener")
    listener.goto("/library?q=E2E")
    listener.click("button[aria-label='Play E2E Tone']")
    listener.wait_for_function("() => !document.getElementById('player-audio').paused")
    listener.wait_for_function("() => document.getElementById('player-audio').duration > 10")
    listener.evaluate("() => { document.getElementById('player-audio').currentTime = 9; }")
    listener.wait_for_function("() => document.getElementById('player-audio').currentTime >= 9")
    assert listener.text_content("#player-title") == "E2E Tone"
    shot(listener, "player-phone")
