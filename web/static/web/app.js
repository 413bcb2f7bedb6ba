// The server draws dates and charts in the zone of the `tz` cookie: set it from the browser's zone on
// every full page load. A page drawn in another zone (History marks it with data-drawn-tz) reloads
// once when the cookie just changed. (No inline script anywhere: the Content-Security-Policy allows
// only these files.)
(function () {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const current = document.cookie.match(/(?:^|; )tz=([^;]*)/);
  let changed = false;
  if (tz && (!current || decodeURIComponent(current[1]) !== tz)) {
    document.cookie = `tz=${tz}; path=/; max-age=31536000; samesite=lax`;
    changed = true;
  }

  function redrawIfAnotherZone(root) {
    const drawn = root.querySelector && root.querySelector("[data-drawn-tz]");
    if (changed && drawn && drawn.dataset.drawnTz !== tz) {
      changed = false; // at most once: a zone the server does not know stays drawn in UTC
      location.reload();
    }
  }

  if (window.htmx) htmx.onLoad(redrawIfAnotherZone); // the first page, and each page htmx swaps in
  else document.addEventListener("DOMContentLoaded", () => redrawIfAnotherZone(document));
})();

// The persistent player: any [data-play] button plays its song; the player survives htmx navigation
// (hx-boost swaps only <main>). Songs stream with HTTP Range, so seeking works.
(function () {
  const $ = (id) => document.getElementById(id);
  let queue = [];
  let index = -1;

  function format(seconds) {
    if (!isFinite(seconds)) return "0:00";
    const s = Math.floor(seconds % 60).toString().padStart(2, "0");
    return `${Math.floor(seconds / 60)}:${s}`;
  }

  function play(button) {
    const audio = $("player-audio");
    queue = Array.from(document.querySelectorAll("[data-play]"));
    index = queue.indexOf(button);
    $("player").hidden = false;
    $("player-title").textContent = button.dataset.title || "";
    $("player-artist").textContent = button.dataset.artist || "";
    $("player-art").src = button.dataset.art || "";
    audio.src = button.dataset.src;
    audio.play();
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-play]");
    if (button) { event.preventDefault(); play(button); }
  });

  document.addEventListener("DOMContentLoaded", () => {
    const audio = $("player-audio");
    if (!audio) return;
    $("player-toggle").addEventListener("click", () => (audio.paused ? audio.play() : audio.pause()));
    $("player-next").addEventListener("click", () => { if (index + 1 < queue.length) play(queue[index + 1]); });
    $("player-seek").addEventListener("input", (e) => {
      if (audio.duration) audio.currentTime = (e.target.value / 100) * audio.duration;
    });
    audio.addEventListener("play", () => ($("player-toggle").textContent = "⏸"));
    audio.addEventListener("pause", () => ($("player-toggle").textContent = "▶"));
    audio.addEventListener("ended", () => { if (index + 1 < queue.length) play(queue[index + 1]); });
    audio.addEventListener("timeupdate", () => {
      if (audio.duration) $("player-seek").value = (audio.currentTime / audio.duration) * 100;
      $("player-time").textContent = `${format(audio.currentTime)} / ${format(audio.duration)}`;
    });
  });
})();

// The library's upload: drop an audio file on the zone and it becomes the form's file.
document.addEventListener("dragover", (event) => {
  const zone = event.target.closest && event.target.closest("#dropzone");
  if (zone) { event.preventDefault(); zone.classList.add("over"); }
});
document.addEventListener("dragleave", (event) => {
  const zone = event.target.closest && event.target.closest("#dropzone");
  if (zone) zone.classList.remove("over");
});
document.addEventListener("drop", (event) => {
  const zone = event.target.closest && event.target.closest("#dropzone");
  if (!zone) return;
  event.preventDefault();
  zone.classList.remove("over");
  const input = document.querySelector("#upload-form input[name=audio_file]");
  if (input && event.dataTransfer.files.length) {
    input.files = event.dataTransfer.files;
    zone.textContent = `Ready: ${event.dataTransfer.files[0].name}. Press Upload; empty fields are read from its tags.`;
  }
});

// htmx leaves a 4xx answer unshown; "too many sign-in attempts" (429) is a page the user must see.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 429) { event.detail.shouldSwap = true; event.detail.isError = false; }
});
