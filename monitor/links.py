"""Absolute links for emails and files: built from the app's own routes (`url_for`'s rules)
on `MONITOR_BASE_URL`, never on the request's Host header, which an attacker could set to
send a reset link to their own site. One place, so that no path is written twice."""
from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import Map, MapAdapter


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of `endpoint` with `values` (unknown ones go to the query string)."""
    adapter = _adapter(current_app.url_map, current_app.config["MONITOR_BASE_URL"])
    return adapter.build(endpoint, values, force_external=True)


@lru_cache(maxsize=8)
def _adapter(url_map: Map, base_url: str) -> MapAdapter:
    base = urlsplit(base_url.rstrip("/"))
    return url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
