// Messages, live: a WebSocket at /ws/messages/ sends {"event": "message.new", "data": <message>} for
// every message someone sends me. In an open conversation with its sender, the message is appended and
// marked read; on the conversations list, the list is refreshed. The page may arrive through an htmx
// swap, so everything hangs off the page's [data-live] element and stops when it leaves the document.
(function () {
  if (window.MusicHubMessages) { window.MusicHubMessages.scan(); return; }

  function csrfToken() {
    try {
      const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (e) { /* fall back to the cookie */ }
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function when(iso) {
    const date = new Date(iso);
    if (isNaN(date)) return "";
    return date.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  }

  function messageItem(message) {
    const item = document.createElement("li");
    item.className = "message theirs";
    item.dataset.messageId = message.id;
    const bubble = document.createElement("p");
    bubble.className = "bubble";
    bubble.style.whiteSpace = "pre-wrap";
    bubble.textContent = message.content;
    const time = document.createElement("time");
    time.className = "muted";
    time.dateTime = message.created_at;
    time.textContent = when(message.created_at);
    item.append(bubble, time);
    return item;
  }

  function scrollDown(root) {
    const thread = root.querySelector(".thread");
    if (thread) thread.scrollTop = thread.scrollHeight;
  }

  function Page(root) {
    let socket = null;
    let retries = 0;
    let timer = null;
    let stopped = false;
    const otherId = Number(root.dataset.otherId) || null;

    function markRead() {
      fetch(root.dataset.readUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      }).catch(() => { /* marked on the next visit */ });
    }

    function received(message) {
      if (!document.body.contains(root)) { stop(); return; } // the page was left since
      if (root.dataset.live === "inbox") {
        // Refresh the conversations (new last message, unread count) without touching the search box.
        if (window.htmx && document.getElementById("conversations-column")) {
          htmx.ajax("GET", location.pathname + location.search, { target: "#conversations-column", select: "#conversations-column", swap: "outerHTML" });
        }
        return;
      }
      if (!message.sender || message.sender.id !== otherId) return;
      const list = root.querySelector("#message-list");
      if (!list || list.querySelector(`[data-message-id="${message.id}"]`)) return;
      list.append(messageItem(message));
      const empty = root.querySelector(".empty-thread");
      if (empty) empty.hidden = true;
      scrollDown(root);
      if (document.visibilityState === "visible") markRead();
      else document.addEventListener("visibilitychange", markRead, { once: true });
    }

    function connect() {
      if (stopped || !("WebSocket" in window)) return;
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      socket = new WebSocket(`${scheme}://${location.host}/ws/messages/`);
      socket.addEventListener("open", () => { retries = 0; });
      socket.addEventListener("message", (event) => {
        let payload;
        try { payload = JSON.parse(event.data); } catch (e) { return; }
        if (payload.event === "message.new" && payload.data) received(payload.data);
      });
      socket.addEventListener("close", (event) => {
        socket = null;
        if (stopped || event.code === 4401) return; // signed out: nothing to listen to
        retries += 1;
        timer = setTimeout(connect, Math.min(30000, 1000 * 2 ** Math.min(retries, 5)));
      });
    }

    function stop() {
      stopped = true;
      clearInterval(watch);
      if (timer) clearTimeout(timer);
      if (socket) { const s = socket; socket = null; s.close(1000); }
    }

    // The send form (htmx): clear it after a message went out, keep the text when it was refused.
    const form = root.querySelector("#message-form");
    if (form) {
      const textarea = form.querySelector("textarea");
      form.addEventListener("htmx:afterRequest", (event) => {
        const xhr = event.detail.xhr;
        if (event.detail.successful && !xhr.getResponseHeader("HX-Retarget")) {
          form.reset();
          const empty = root.querySelector(".empty-thread");
          if (empty) empty.hidden = true;
          scrollDown(root);
        } // a refusal or a network failure is written in #message-error by app.js (data-error-target)
        textarea.focus();
      });
      textarea.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          if (textarea.value.trim()) form.requestSubmit();
        }
      });
    }

    const watch = setInterval(() => { if (!document.body.contains(root)) stop(); }, 1000);
    scrollDown(root);
    connect();
  }

  function scan() {
    const root = document.querySelector("[data-live='conversation'], [data-live='inbox']");
    if (root && !root.dataset.started) {
      root.dataset.started = "1";
      Page(root);
    }
  }

  window.MusicHubMessages = { scan };
  document.addEventListener("htmx:load", scan);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
})();
