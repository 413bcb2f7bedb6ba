// The room page, live: a WebSocket at /ws/rooms/<code>/ sends {"event", "data"} for every change
// (state, song, progress, playback, votes, members, settings, closed, error). While the socket is
// down, the page polls /api/rooms/<code>/current-song/ every 5 s instead. Buttons call the JSON API.
// The page may arrive through an htmx swap, so everything hangs off the #room element and stops when
// that element leaves the document.
(function () {
  if (window.MusicHubRoom) { window.MusicHubRoom.scan(); return; }

  const POLL_MS = 5000;
  const ICONS = {
    play: '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path fill="currentColor" d="M8 5v14l11-7z"/></svg>',
    pause: '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path fill="currentColor" d="M6 5h4v14H6zm8 0h4v14h-4z"/></svg>',
  };
  const FINAL_CLOSE_CODES = { 4403: "not_a_member", 4404: "no_room", 4410: "closed" };

  function csrfToken() {
    try {
      const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (e) { /* fall back to the cookie */ }
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function clock(ms) {
    if (ms == null || !isFinite(ms)) return "";
    const seconds = Math.max(0, Math.floor(ms / 1000));
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  }

  async function errorMessage(response) {
    try {
      const body = await response.json();
      if (body.detail) return body.detail;
      for (const [key, value] of Object.entries(body)) {
        if (key !== "code" && Array.isArray(value) && value.length) return value[0];
      }
    } catch (e) { /* not JSON */ }
    if (response.status === 429) return "Too many requests: wait a few seconds and try again.";
    return `Something went wrong (HTTP ${response.status}). Try again.`;
  }

  function Room(root) {
    const $ = (id) => root.querySelector("#" + id);
    const code = root.dataset.code;
    const api = `/api/rooms/${encodeURIComponent(code)}/`;
    const state = {
      isHost: root.dataset.isHost === "true",
      guestCanPause: root.dataset.guestCanPause === "true",
      playing: root.dataset.playing === "true",
      songId: root.dataset.songId || "",
      progressMs: Number(root.dataset.progressMs) || 0,
      durationMs: Number(root.dataset.durationMs) || 0,
      tickedAt: Date.now(),
      closed: false,
    };
    let socket = null;
    let retries = 0;
    let reconnectTimer = null;
    let pollTimer = null;
    let stopped = false;
    const brokenArt = new Set(); // album art URLs that failed to load: the placeholder stands in

    function setStatus(text, bad) {
      const status = $("room-status");
      if (!status) return;
      status.textContent = text || "";
      status.classList.toggle("bad", !!bad);
    }

    function setLive(live) {
      const badge = $("room-live");
      if (!badge) return;
      badge.textContent = live ? "Live" : "Updating every 5 s";
      badge.className = "badge " + (live ? "ok" : "warn");
    }

    // --- rendering ---------------------------------------------------------------------------------

    function renderControls() {
      const toggle = $("room-toggle");
      if (toggle) {
        const allowed = state.isHost || state.guestCanPause;
        toggle.disabled = !allowed || state.closed;
        toggle.title = allowed ? "" : "Only the host can pause or play in this room";
        const action = state.playing ? "pause" : "play";
        if (toggle.dataset.action !== action || !toggle.firstElementChild) {
          toggle.dataset.action = action;
          toggle.innerHTML = ICONS[action];
        }
        toggle.setAttribute("aria-label", state.playing ? "Pause" : "Play");
      }
      const skip = $("room-skip");
      if (skip) skip.disabled = state.closed;
      const rules = $("room-rules");
      if (rules && !state.isHost) {
        rules.textContent = state.guestCanPause
          ? "Guests can pause and play in this room."
          : "Only the host can pause or play in this room.";
      }
    }

    function renderProgress() {
      let progress = state.progressMs;
      if (state.playing) progress += Date.now() - state.tickedAt;
      if (state.durationMs) progress = Math.min(progress, state.durationMs);
      const percent = state.durationMs ? (100 * progress) / state.durationMs : 0;
      const bar = $("room-progress");
      if (bar) {
        bar.style.width = `${percent.toFixed(1)}%`;
        bar.parentElement.setAttribute("aria-valuenow", String(Math.round(percent)));
      }
      const elapsed = $("room-elapsed");
      if (elapsed) elapsed.textContent = state.songId ? clock(progress) : "";
    }

    function renderVotes(votes, required) {
      if (votes != null && $("room-votes")) $("room-votes").textContent = votes;
      if (required != null && $("room-votes-required")) $("room-votes-required").textContent = required;
    }

    function renderSong(song) {
      const art = $("room-art");
      const placeholder = $("room-art-placeholder");
      const changed = (song ? song.id || "" : "") !== state.songId;
      state.songId = song ? song.id || "" : "";
      root.dataset.songId = state.songId;
      state.durationMs = song ? song.duration_ms || 0 : 0;
      if (song && song.progress_ms != null) setProgress(song.progress_ms, song.is_playing);
      else if (!song) setProgress(0, false);
      else if (changed) setProgress(0, song.is_playing == null ? state.playing : song.is_playing);
      $("room-title").textContent = song ? song.title : "Nothing is playing";
      $("room-artist").textContent = song ? song.artist : "The host starts a song on Spotify and it shows up here.";
      $("room-duration").textContent = song ? clock(song.duration_ms) : "";
      const artUrl = song && song.album_art && !brokenArt.has(song.album_art) ? song.album_art : "";
      if (art) {
        art.hidden = !artUrl;
        if (artUrl && art.getAttribute("src") !== artUrl) art.src = artUrl;
        else if (!artUrl) art.removeAttribute("src");
      }
      if (placeholder) placeholder.hidden = !!artUrl;
      if (song) renderVotes(song.votes, song.votes_required);
      renderControls();
      renderProgress();
    }

    function setProgress(progressMs, playing) {
      state.progressMs = progressMs || 0;
      if (playing != null) state.playing = !!playing;
      state.tickedAt = Date.now();
    }

    function renderMembers(members) {
      const list = $("room-members");
      if (!list) return;
      list.replaceChildren(
        ...members.map((member) => {
          const item = document.createElement("li");
          const avatar = document.createElement("span");
          avatar.className = "avatar";
          avatar.setAttribute("aria-hidden", "true");
          avatar.textContent = (member.name || "?").slice(0, 1).toUpperCase();
          item.append(avatar, " " + member.name);
          if (member.is_host) {
            const badge = document.createElement("span");
            badge.className = "badge ok";
            badge.textContent = "host";
            item.append(" ", badge);
          }
          return item;
        })
      );
    }

    function renderSettings(settings) {
      if (settings.guest_can_pause != null) state.guestCanPause = !!settings.guest_can_pause;
      if (settings.votes_to_skip != null) renderVotes(null, settings.votes_to_skip);
      renderControls();
    }

    function showClosed(reason) {
      state.closed = true;
      stop();
      const panel = $("room-closed");
      if (panel) {
        panel.hidden = false;
        if (reason) $("room-closed-reason").textContent = reason;
      }
      const body = root.querySelector(".room-body");
      if (body) body.hidden = true;
      const badge = $("room-live");
      if (badge) { badge.textContent = "Closed"; badge.className = "badge bad"; }
    }

    // --- the socket --------------------------------------------------------------------------------

    const handlers = {
      state(data) {
        if (data.room) renderSettings(data.room);
        if (data.is_host != null) state.isHost = !!data.is_host;
        if (data.members) renderMembers(data.members);
        if (data.song) {
          const fresh = data.song.progress_ms != null;
          renderSong(data.song);
          if (!fresh) poll(); // the stored song has no progress yet: ask once
        } else if (data.song === null) {
          renderSong(null);
        }
      },
      song(data) { renderSong(data.song || null); setStatus(""); },
      progress(data) {
        if (data.song_id !== state.songId) { poll(); return; }
        setProgress(data.progress_ms, data.is_playing);
        renderControls();
        renderProgress();
        setStatus("");
      },
      playback(data) { setProgress(currentProgress(), data.is_playing); renderControls(); },
      votes(data) { renderVotes(data.votes, data.votes_required); },
      members(data) { renderMembers(data.members || []); },
      settings(data) { renderSettings(data); },
      closed(data) { showClosed(data.reason); },
      error(data) { setStatus(data.message, true); },
    };

    function currentProgress() {
      return state.progressMs + (state.playing ? Date.now() - state.tickedAt : 0);
    }

    function connect() {
      if (stopped || !("WebSocket" in window)) { startPolling(); return; }
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      try {
        socket = new WebSocket(`${scheme}://${location.host}/ws/rooms/${encodeURIComponent(code)}/`);
      } catch (e) {
        startPolling();
        return;
      }
      socket.addEventListener("open", () => { retries = 0; stopPolling(); setLive(true); });
      socket.addEventListener("message", (event) => {
        if (!document.body.contains(root)) { stop(); return; } // the page was left since
        let message;
        try { message = JSON.parse(event.data); } catch (e) { return; }
        const handler = handlers[message.event];
        if (handler) handler(message.data || {});
      });
      socket.addEventListener("close", (event) => {
        socket = null;
        if (stopped) return;
        const final = FINAL_CLOSE_CODES[event.code];
        if (final === "closed" || final === "no_room") { showClosed(state.closed ? null : "This room does not exist any more."); return; }
        if (final === "not_a_member") { location.href = root.dataset.joinUrl; return; }
        setLive(false);
        startPolling();
        retries += 1;
        reconnectTimer = setTimeout(connect, Math.min(30000, 1000 * 2 ** Math.min(retries, 5)));
      });
    }

    // --- polling (no socket) --------------------------------------------------------------------------

    async function poll() {
      if (stopped) return;
      let response;
      try {
        response = await fetch(api + "current-song/", { credentials: "same-origin", headers: { Accept: "application/json" } });
      } catch (e) {
        setStatus("You seem to be offline: the room updates when the connection is back.", true);
        return;
      }
      if (response.status === 204) { renderSong(null); return; }
      if (response.status === 404) { showClosed("This room does not exist any more."); return; }
      if (response.status === 403) {
        const body = await response.clone().json().catch(() => ({}));
        if (body.code === "not_a_member") { location.href = root.dataset.joinUrl; return; }
      }
      if (!response.ok) { setStatus(await errorMessage(response), true); return; }
      renderSong(await response.json());
      setStatus("");
    }

    function startPolling() {
      if (pollTimer || stopped) return;
      setLive(false);
      poll();
      pollTimer = setInterval(poll, POLL_MS);
    }

    function stopPolling() {
      if (pollTimer) clearInterval(pollTimer);
      pollTimer = null;
    }

    // --- buttons ---------------------------------------------------------------------------------------

    async function call(method, path, button) {
      if (button) button.disabled = true;
      setStatus("");
      try {
        const response = await fetch(api + path, {
          method,
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
        });
        if (!response.ok) { setStatus(await errorMessage(response), true); return null; }
        return response.status === 204 ? {} : await response.json();
      } catch (e) {
        setStatus("Could not reach MusicHub: check your connection and try again.", true);
        return null;
      } finally {
        if (button) button.disabled = false;
        renderControls();
      }
    }

    // Leaving or closing: the socket's goodbye must not send this page to /join first.
    const isLeave = (element) => element && element.action && element.action.endsWith("/leave");
    root.addEventListener("htmx:beforeRequest", (event) => { if (isLeave(event.detail.elt)) stop(); });
    root.addEventListener("submit", (event) => { if (!window.htmx && isLeave(event.target)) stop(); });

    root.addEventListener("click", async (event) => {
      const toggle = event.target.closest("#room-toggle");
      if (toggle) {
        const pausing = toggle.dataset.action === "pause";
        if (await call("PUT", pausing ? "pause/" : "play/", toggle)) {
          setProgress(currentProgress(), !pausing);
          renderControls();
        }
        return;
      }
      const skip = event.target.closest("#room-skip");
      if (skip) {
        const result = await call("POST", "skip/", skip);
        if (result) {
          renderVotes(result.votes, result.votes_required);
          if (result.skipped) { setStatus("Skipped."); if (!socket) poll(); }
          else setStatus("Your vote counts. More votes skip the song.");
        }
        return;
      }
      const copy = event.target.closest("#room-copy");
      if (copy && navigator.clipboard) {
        navigator.clipboard.writeText(copy.dataset.copy).then(() => { copy.textContent = "Copied"; });
      }
    });

    // --- life cycle -----------------------------------------------------------------------------------

    const ticker = setInterval(() => {
      if (!document.body.contains(root)) { stop(); return; }
      renderProgress();
    }, 1000);

    function stop() {
      stopped = true;
      clearInterval(ticker);
      stopPolling();
      if (reconnectTimer) clearTimeout(reconnectTimer);
      if (socket) { const s = socket; socket = null; s.close(1000); }
    }

    // Album art that cannot load (offline, blocked) gives way to the placeholder.
    const art = $("room-art");
    if (art) {
      art.addEventListener("error", () => {
        if (art.getAttribute("src")) brokenArt.add(art.getAttribute("src"));
        art.hidden = true;
        if ($("room-art-placeholder")) $("room-art-placeholder").hidden = false;
      });
      if (art.complete && art.getAttribute("src") && !art.naturalWidth) art.dispatchEvent(new Event("error"));
    }

    renderControls();
    renderProgress();
    connect();
    return { stop };
  }

  function scan() {
    const root = document.getElementById("room");
    if (root && !root.dataset.live) {
      root.dataset.live = "1";
      Room(root);
    }
  }

  window.MusicHubRoom = { scan };
  document.addEventListener("htmx:load", scan);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
})();
