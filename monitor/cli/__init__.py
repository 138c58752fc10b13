"""`flask --app monitor ...` commands. Each is a thin call into a service; one module per
area registers its commands here."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import core

    for module in (core,):
        module.register(app)
    # Areas that add their own command groups.
    import importlib

    for name in ("catalogue", "invitations", "evaluations", "reports", "operations",
                 "transparency"):
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        module.register(app)
