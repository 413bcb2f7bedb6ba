"""The sandbox WSGI app: routes each call to its fake provider, applies faults, logs calls.

Admin API (JSON), for tests and the demo:
- `GET  /_sandbox/health`            → {"status": "ok", "services": [...]}
- `GET  /_sandbox/env`               → the settings that point the project here
- `GET  /art/<host>/<path>`          → a cover drawn for that path: the CDN addresses in every JSON
                                       answer are rewritten to these (ART_HOSTS), so covers show offline
- `POST /_sandbox/reset`             → seeded state back, faults and call log cleared
- `POST /_sandbox/faults`            → add a fault: {"channel", "kind", "count", "status",
                                       "retry_after", "delay", "path", ...}
- `DELETE /_sandbox/faults`          → clear them; `GET` lists the pending ones
- `GET  /_sandbox/calls?channel=`    → the calls received (method, path, query, time, status)
- `POST /_sandbox/<service>/<action>` → a service's own admin action (issue a token, revoke one, …)
"""

from __future__ import annotations

import json
import os
import pickle
import threading
import time
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from sandbox.faults import Fault, FaultBook
from sandbox.services import load_all
from sandbox.services.base import Service, json_response

MAX_LOGGED_CALLS = 5000
# The CDNs whose pictures the fake providers name: their addresses in a JSON answer become the
# sandbox's own (`<sandbox>/art/<host>/<path>`, sandbox/services/artwork.py), so covers show offline.
ART_HOSTS = (
    "https://i.scdn.co/",
    "https://lastfm.freetls.fastly.net/",
    "https://i.ytimg.com/",
)


class Sandbox:
    def __init__(self, *, base_url: str = "", state_file: Path | None = None) -> None:
        self.base_url = base_url
        self.state_file = state_file  # where the state is kept across restarts (None: nowhere)
        self.lock = threading.RLock()  # one call at a time touches a service's state
        self.faults = FaultBook()
        self.calls: list[dict[str, Any]] = []
        self.services: list[Service] = [service_class(self) for service_class in load_all()]
        self.by_name = {service.name: service for service in self.services}
        self.mounts = sorted(
            (
                (prefix, channel, service)
                for service in self.services
                for prefix, channel in service.mounts.items()
            ),
            key=lambda mount: -len(mount[0]),
        )

        self.restored = self._load() if state_file else []

    # --- state kept across restarts ----------------------------------------------------------
    # `python -m sandbox --state FILE` (what `make run` does) saves every service's state after each
    # call that may change it, so tokens the sandbox issued still work after a restart. The file is
    # the sandbox's own (pickle), written beside the development database.

    def _load(self) -> list[str]:
        assert self.state_file is not None
        try:
            saved = pickle.loads(self.state_file.read_bytes())  # noqa: S301 - our own file, see above
        except FileNotFoundError:
            return []
        except Exception:  # an unreadable file: start from the seeded state
            return []
        if not isinstance(saved, dict):
            return []
        return [
            service.name
            for service in self.services
            if isinstance(saved.get(service.name), dict) and service.restore(saved[service.name])
        ]

    def save(self) -> None:
        if self.state_file is None:
            return
        with self.lock:
            data = pickle.dumps({service.name: service.state() for service in self.services})
        partial = self.state_file.with_name(self.state_file.name + ".tmp")
        partial.write_bytes(data)
        os.replace(partial, self.state_file)

    # --- admin -----------------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.faults.clear()
            self.calls.clear()
            for service in self.services:
                service.reset()

    def env(self, base_url: str) -> dict[str, str]:
        values: dict[str, str] = {}
        for service in self.services:
            for setting, value in service.env.items():
                base = base_url.rstrip("/")  # "=…" is the value itself, where {sandbox} is this origin
                absolute = value.startswith("=")
                values[setting] = value[1:].replace("{sandbox}", base) if absolute else base + value
        return values

    def handle_admin(self, request: Request) -> Response:
        parts = [part for part in request.path.split("/") if part][1:]
        payload = self._json(request)
        if parts == ["health"]:
            return json_response({"status": "ok", "services": sorted(self.by_name)})
        if parts == ["env"]:
            return json_response(self.env(self.base_url or request.host_url))
        if parts == ["reset"] and request.method == "POST":
            self.reset()
            return json_response({"status": "reset"})
        if parts == ["faults"]:
            if request.method == "POST":
                try:
                    self.faults.add(Fault.from_json(payload))
                except (TypeError, ValueError) as exc:
                    return json_response({"error": str(exc)}, status=400)
                return json_response({"pending": self.faults.pending()}, status=201)
            if request.method == "DELETE":
                self.faults.clear()
            return json_response({"pending": self.faults.pending()})
        if parts == ["calls"]:
            channel = request.args.get("channel")
            with self.lock:
                calls = [call for call in self.calls if channel in (None, call["channel"])]
            return json_response({"calls": calls})
        if len(parts) == 2 and parts[0] in self.by_name and request.method == "POST":
            with self.lock:
                return self.by_name[parts[0]].admin(parts[1], payload)
        return json_response({"error": f"no sandbox admin endpoint {request.path}"}, status=404)

    @staticmethod
    def _json(request: Request) -> dict[str, Any]:
        if not request.data:
            return {}
        try:
            data = json.loads(request.data)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    # --- provider calls ----------------------------------------------------------------------

    def route(self, path: str) -> tuple[str, Service] | None:
        for prefix, channel, service in self.mounts:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return channel, service
        return None

    def handle(self, request: Request) -> Response:
        if request.path.startswith("/_sandbox/"):
            return self.handle_admin(request)
        found = self.route(request.path)
        if found is None:
            return json_response({"error": f"the sandbox serves no provider at {request.path}"}, status=404)
        channel, service = found
        call = {
            "channel": channel,
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode(),
            "time": time.time(),
        }
        fault = self.faults.take(channel, request.path)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        with self.lock:
            response = service.fault_response(channel, request, fault) if fault else None
            if response is None:
                response = service.dispatch(channel, request)
            self._local_art(response)
            call["status"] = response.status_code
            call["fault"] = fault.kind if fault else None
            self.calls.append(call)
            del self.calls[:-MAX_LOGGED_CALLS]
        return response

    def _local_art(self, response: Response) -> None:
        if not self.base_url or response.mimetype != "application/json" or response.direct_passthrough:
            return
        body = response.get_data(as_text=True)
        if any(host in body for host in ART_HOSTS):
            for host in ART_HOSTS:
                body = body.replace(host, f"{self.base_url}/art/{host.removeprefix('https://')}")
            response.set_data(body)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self.handle(request)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            self.save()
        return response(environ, start_response)
