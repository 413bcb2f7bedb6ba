"""One module per provider. Each defines a `Service` subclass; `SERVICES` lists them all."""

from __future__ import annotations

from sandbox.services.base import Service

SERVICES: list[type[Service]] = []


def register(service: type[Service]) -> type[Service]:
    SERVICES.append(service)
    return service


def load_all() -> list[type[Service]]:
    """Imports every service module (each registers itself) and returns the classes."""
    import importlib
    import pkgutil

    import sandbox.services as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name != "base":
            importlib.import_module(f"sandbox.services.{module.name}")
    return list(SERVICES)
