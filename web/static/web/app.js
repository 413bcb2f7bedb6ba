// The server draws dates and charts in the user's profile zone. Until the user has one, the next page
// request stores the browser's zone from the `tz` cookie set here on every full page load (web/time_zone.py).
// A page drawn in UTC only because no zone was set yet (History marks it with data-tz-unset beside
// data-drawn-tz) reloads once when the cookie just changed. (No inline script anywhere: the
// Content-Security-Policy allows only these files.)
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
    if (changed && drawn && drawn.hasAttribute("data-tz-unset") && drawn.dataset.drawnTz !== tz) {
      changed = false; // at most once: a zone the server does not know stays drawn in UTC
      location.reload();
    }
  }

  if (window.htmx) htmx.onLoad(redrawIfAnotherZone); // the first page, and each page htmx swaps in
  else document.addEventListener("DOMContentLoaded", () => redrawIfAnotherZone(document));
})();

// Every picture has a drawn fallback: one that cannot load (offline, removed, blocked) becomes a
// note on the panel's colour, never the browser's broken-image icon. An <img> that handles its own
// failure says so with data-own-fallback (the room's cover).
window.MusicHubArt = (function () {
  const FALLBACK = "data:image/svg+xml," + encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="160" height="160">' +
    '<rect width="100" height="100" fill="#1f232c"/>' +
    '<path d="M58 24v34a9 9 0 1 1-6-8.5V34l-14 3.5V64a9 9 0 1 1-6-8.5V32z" fill="#9aa3b2"/></svg>');

  function fallback(img) {
    if (img.hasAttribute("data-own-fallback") || img.getAttribute("src") === FALLBACK) return;
    img.classList.add("art-fallback");
    img.src = FALLBACK;
  }

  function scan(root) {
    const scope = root && root.querySelectorAll ? root : document;
    const images = scope.tagName === "IMG" ? [scope] : Array.from(scope.querySelectorAll("img"));
    images.forEach((img) => { if (img.complete && img.getAttribute("src") && !img.naturalWidth) fallback(img); });
  }

  // `error` does not bubble: caught on its way down. The scan finds pictures that failed earlier.
  document.addEventListener("error", (event) => {
    if (event.target instanceof HTMLImageElement) fallback(event.target);
  }, true);
  if (window.htmx) htmx.onLoad(scan);
  else document.addEventListener("DOMContentLoaded", () => scan(document));
  return { FALLBACK, fallback };
})();

// The persistent player: any [data-play] button plays its song; the player survives htmx navigation
// (hx-boost swaps only <main>). Songs stream with HTTP Range, so seeking works.
// Each play streams with its own id (`?play=`); once the time actually played passes half the song or
// 4 minutes, the player reports it (POST /api/songs/<id>/played/) and the server, having checked it
// against what it streamed for that play, stores it as a listen (History, stats).
(function () {
  const $ = (id) => document.getElementById(id);
  let queue = [];
  let index = -1;
  let current = null; // {report, play, done, attempts, next}: the play being listened to

  function csrfToken() {
    try {
      const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (e) { /* fall back to the cookie */ }
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function playId() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function playedSeconds(audio) {
    let total = 0;
    for (let i = 0; i < audio.played.length; i++) total += audio.played.end(i) - audio.played.start(i);
    return total;
  }

  // Half the song or 4 minutes, plus a second: the server reads the length from the file, which may
  // round differently from the browser's.
  function reportIfFarEnough(audio) {
    if (!current || current.done || !isFinite(audio.duration) || current.attempts >= 3) return;
    const played = playedSeconds(audio);
    if (played < Math.min(audio.duration / 2, 240) + 1 || played < current.next) return;
    current.attempts += 1;
    current.next = played + 5; // a refused report (too soon, too little streamed) is tried again later
    const play = current;
    fetch(play.report, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: JSON.stringify({ play: play.play, position_ms: Math.floor(played * 1000) }),
    }).then((response) => {
      if (response.ok || response.status === 404) play.done = true;
    }).catch(() => {});
  }

  function format(seconds) {
    if (!isFinite(seconds)) return "0:00";
    const s = Math.floor(seconds % 60).toString().padStart(2, "0");
    return `${Math.floor(seconds / 60)}:${s}`;
  }

  // play() answers a promise that a quick pause (or the next song) rejects: nothing went wrong.
  function start(audio) {
    const promise = audio.play();
    if (promise) promise.catch(() => {});
  }

  function play(button) {
    const audio = $("player-audio");
    queue = Array.from(document.querySelectorAll("[data-play]"));
    index = queue.indexOf(button);
    $("player").hidden = false;
    $("player-title").textContent = button.dataset.title || "";
    $("player-artist").textContent = button.dataset.artist || "";
    $("player-art").src = button.dataset.art || window.MusicHubArt.FALLBACK; // no cover: the drawn one
    const id = playId();
    const src = button.dataset.src;
    const stream = src.match(/^(.*\/songs\/\d+\/)stream\/?/);
    current = stream ? { report: `${stream[1]}played/`, play: id, done: false, attempts: 0, next: 0 } : null;
    audio.src = `${src}${src.includes("?") ? "&" : "?"}play=${id}`;
    start(audio);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-play]");
    if (button) { event.preventDefault(); play(button); }
  });

  document.addEventListener("DOMContentLoaded", () => {
    const audio = $("player-audio");
    if (!audio) return;
    $("player-toggle").addEventListener("click", () => (audio.paused ? start(audio) : audio.pause()));
    $("player-next").addEventListener("click", () => { if (index + 1 < queue.length) play(queue[index + 1]); });
    $("player-seek").addEventListener("input", (e) => {
      if (audio.duration) audio.currentTime = (e.target.value / 100) * audio.duration;
    });
    // The toggle holds both icons (inline SVG: no font needed); the player's class shows one.
    const playing = (yes) => {
      $("player").classList.toggle("playing", yes);
      $("player-toggle").setAttribute("aria-label", yes ? "Pause" : "Play");
    };
    audio.addEventListener("play", () => playing(true));
    audio.addEventListener("pause", () => playing(false));
    audio.addEventListener("ended", () => { if (index + 1 < queue.length) play(queue[index + 1]); });
    audio.addEventListener("timeupdate", () => {
      reportIfFarEnough(audio);
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
// From the keyboard: Enter or Space on the zone opens the file chooser.
document.addEventListener("keydown", (event) => {
  const zone = event.target.closest && event.target.closest("#dropzone");
  if (!zone || (event.key !== "Enter" && event.key !== " ")) return;
  event.preventDefault();
  const input = document.querySelector("#upload-form input[name=audio_file]");
  if (input) input.click();
});
document.addEventListener("change", (event) => {
  const zone = document.getElementById("dropzone");
  if (zone && event.target.matches && event.target.matches("#upload-form input[name=audio_file]") && event.target.files.length) {
    zone.textContent = `Ready: ${event.target.files[0].name}. Press Upload; empty fields are read from its tags.`;
  }
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

// Every htmx form and button shows what went wrong: htmx itself drops 4xx/5xx answers and network
// failures. A page (or fragment) the server drew for the error is swapped in like any answer (the
// Join form's "Room not found" beside the code, "too many attempts"); otherwise the answer's
// `detail` (an API error), or its fields' messages beside those fields, or what the status means,
// is written next to the form or button, in the element its data-error-target names if it has one.
// A new request from the same form clears its last error, so an error shows once.
(function () {
  const STATUS = {
    400: "The request was not valid.",
    401: "Please sign in again.",
    403: "This is not allowed: reload the page and try again.",
    404: "Not found: it may have been removed.",
    409: "Something changed meanwhile: reload the page and try again.",
    413: "That is too large.",
    429: "Too many attempts: wait a minute and try again.",
  };
  const NETWORK = "MusicHub could not be reached: check your connection and try again.";

  function owner(elt) { return (elt && elt.closest && elt.closest("form")) || elt; }

  // Where a form's or button's error goes; a link's (a boosted navigation) goes under the top bar.
  function named(home) {
    if (home.tagName === "A" || home === document.body) return "#request-status";
    return home.getAttribute && home.getAttribute("data-error-target");
  }

  function errorBox(elt) {
    const home = owner(elt);
    const target = named(home);
    if (target) return document.querySelector(target);
    let box = home.nextElementSibling;
    if (!box || !box.matches(".request-error")) {
      box = document.createElement("p");
      box.className = "request-error errorlist";
      box.setAttribute("role", "alert");
      home.insertAdjacentElement("afterend", box);
    }
    return box;
  }

  function clear(elt) {
    const home = owner(elt);
    if (!home || !home.querySelectorAll) return;
    home.querySelectorAll(".field-error").forEach((node) => node.remove());
    const target = named(home);
    const box = target ? document.querySelector(target) : home.nextElementSibling;
    if (box && (target || box.matches(".request-error"))) box.textContent = "";
    const status = document.getElementById("request-status");
    if (status) status.textContent = "";
  }

  function show(elt, message, fields) {
    const home = owner(elt);
    let placed = 0;
    for (const [name, text] of Object.entries(fields || {})) {
      const field = home.querySelector && home.querySelector(`[name="${CSS.escape(name)}"]`);
      if (!field) continue;
      const note = document.createElement("p");
      note.className = "field-error errorlist";
      note.id = `${field.id || name}-request-error`;
      note.textContent = text;
      field.insertAdjacentElement("afterend", note);
      field.setAttribute("aria-describedby", note.id);
      placed += 1;
    }
    if (message || !placed) errorBox(elt).textContent = message || STATUS[400];
  }

  function fromJson(xhr) {
    let body;
    try { body = JSON.parse(xhr.responseText); } catch (e) { return null; }
    if (!body || typeof body !== "object") return null;
    const fields = {};
    const others = [];
    for (const [key, value] of Object.entries(body)) {
      if (key === "detail" || !Array.isArray(value)) continue; // "code" is the error's code (a string)
      (key === "non_field_errors" ? others : (fields[key] = [])).push(...value.map(String));
    }
    const flat = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.join(" ")]));
    const detail = typeof body.detail === "string" ? body.detail : others.join(" ");
    return { message: detail, fields: flat };
  }

  function drawnForThisRequest(xhr, elt) {
    if (xhr.getResponseHeader("HX-Retarget")) return true;
    const text = xhr.responseText || "";
    const holder = elt.closest && elt.closest("[hx-select]");
    const select = xhr.getResponseHeader("HX-Reselect") || (holder && holder.getAttribute("hx-select"));
    const doc = new DOMParser().parseFromString(text, "text/html");
    if (select && select !== "unset") return doc.querySelector(select) !== null;
    return text.trim() !== "" && !/^\s*<(!doctype|html)/i.test(text); // a fragment, not an error page
  }

  // The element that made the request (htmx:beforeSwap's own `elt` is the swap's target).
  function source(event) { return (event.detail.requestConfig && event.detail.requestConfig.elt) || event.detail.elt; }

  document.addEventListener("htmx:beforeRequest", (event) => clear(source(event)));

  document.addEventListener("htmx:beforeSwap", (event) => {
    const xhr = event.detail.xhr;
    if (xhr.status < 400) return;
    const elt = source(event);
    const type = xhr.getResponseHeader("Content-Type") || "";
    if (type.startsWith("text/html") && drawnForThisRequest(xhr, elt)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      return;
    }
    event.detail.shouldSwap = false;
    const json = type.includes("json") ? fromJson(xhr) : null;
    const fallback = STATUS[xhr.status] || `Something went wrong on our side (${xhr.status}): try again in a moment.`;
    show(elt, (json && json.message) || (json && Object.keys(json.fields).length ? "" : fallback), json && json.fields);
  });

  document.addEventListener("htmx:sendError", (event) => show(source(event), NETWORK));
  document.addEventListener("htmx:timeout", (event) => show(source(event), NETWORK));
})();
