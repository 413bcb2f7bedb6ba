"""`python -m sandbox --port 8765`: serve every fake provider on loopback.

`--port 0` picks a free port. The first line printed is `Sandbox listening on <url>`, so a parent
process can read where it is. `--print-env` prints the settings that point the project here.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

from sandbox.app import Sandbox


class QuietRequestHandler(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:
        pass


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback only; the default is 127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--print-env", action="store_true", help="print KEY=value settings and exit")
    parser.add_argument("--quiet", action="store_true", help="no access log")
    parser.add_argument(
        "--state",
        type=Path,
        help="keep the services' state (issued tokens, added scrobbles, …) in this file across restarts",
    )
    args = parser.parse_args(argv)

    if args.print_env:
        base = f"http://{args.host}:{args.port}"
        for key, value in sorted(Sandbox(base_url=base).env(base).items()):
            print(f"{key}={value}")
        return 0

    sandbox = Sandbox(state_file=args.state)
    # `make run` stops the sandbox with SIGTERM: leave the way Ctrl-C does, saving the state.
    signal.signal(signal.SIGTERM, _interrupt)
    handler = QuietRequestHandler if args.quiet else WSGIRequestHandler
    server = make_server(args.host, args.port, sandbox, threaded=True, request_handler=handler)
    sandbox.base_url = f"http://{args.host}:{server.server_port}"
    print(f"Sandbox listening on {sandbox.base_url}", flush=True)
    if args.state:
        kept = ", ".join(sandbox.restored) or "nothing (seeded state)"
        print(f"State kept in {args.state}; restored: {kept}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    sandbox.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
