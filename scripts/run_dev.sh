#!/usr/bin/env bash
# `make run`: the sandbox (a stand-in for Spotify, Last.fm, …) and the development server, with a demo account.
# SANDBOX=off talks to the real services instead (set their keys in .env).
set -euo pipefail
cd "$(dirname "$0")/.."

HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
SANDBOX_PORT=${SANDBOX_PORT:-8765}
PY=.venv/bin/python

if [ "${SANDBOX:-on}" != "off" ]; then
  # --state: the tokens the sandbox issued (the demo's Spotify) and its other state survive a restart.
  "$PY" -m sandbox --port "$SANDBOX_PORT" --state .sandbox-state > .sandbox.log 2>&1 &
  SANDBOX_PID=$!
  trap 'kill "$SANDBOX_PID" 2>/dev/null || true' EXIT INT TERM
  for _ in $(seq 1 50); do
    grep -q "Sandbox listening" .sandbox.log 2>/dev/null && break
    kill -0 "$SANDBOX_PID" 2>/dev/null || { cat .sandbox.log; echo "The sandbox did not start." >&2; exit 1; }
    sleep 0.1
  done
  # Point every provider URL (and the demo Spotify app) at the sandbox.
  while IFS= read -r line; do export "${line?}"; done < <("$PY" -m sandbox --port "$SANDBOX_PORT" --print-env)
  export SPOTIFY_REDIRECT_URI="http://$HOST:$PORT/spotify/redirect"
  echo "Sandbox on http://127.0.0.1:$SANDBOX_PORT: Spotify, Last.fm, YouTube and the rest are simulated (see sandbox/README.md)."
fi

"$PY" manage.py migrate --noinput
"$PY" manage.py seed_songs    # a small catalog of generated songs that really play (idempotent)
"$PY" manage.py seed_albums
"$PY" manage.py create_demo_user --lastfm-key "${DEMO_LASTFM_API_KEY:-}" --lastfm-user "${DEMO_LASTFM_USER:-}"
echo "MusicHub on http://$HOST:$PORT/  (API docs: /api/docs/, admin: /admin/)"
"$PY" manage.py runserver "$HOST:$PORT"
