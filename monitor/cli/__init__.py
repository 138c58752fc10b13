"""`flask --app monitor ...` commands. Each is a thin call into a service; one module per
area registers its commands here."""
from __future__ import annotations

from flask import Flask

from . import (
    catalogue,
    core,
    deployment,
    evaluations,
    invitations,
    operations,
    reports,
    transparency,
    users,
)


def register(app: Flask) -> None:
    for module in (core, catalogue, deployment, invitations, evaluations, reports, operations,
                   transparency, users):
        module.register(app)
