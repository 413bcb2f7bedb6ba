#!/usr/bin/env bash
# `make manage CMD="validate_credentials"`: a manage.py command with the settings `make run` gives its
# server, so in the demo it reaches the sandbox the server uses (every provider URL, the demo Spotify
# app and keys; the sandbox of `make run` must be running on SANDBOX_PORT). SANDBOX=off: .env alone.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
SANDBOX_PORT=${SANDBOX_PORT:-8765}

if [ "${SANDBOX:-on}" != "off" ]; then
  if ! "$PY" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
      "http://127.0.0.1:$SANDBOX_PORT/_sandbox/health" 2>/dev/null; then
    echo "No sandbox on port $SANDBOX_PORT: start the demo with \`make run\` first (or set SANDBOX=off to use .env alone)." >&2
    exit 1
  fi
  while IFS= read -r line; do export "${line?}"; done < <("$PY" -m sandbox --port "$SANDBOX_PORT" --print-env)
fi
exec "$PY" manage.py "$@"
