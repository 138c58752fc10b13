"""Helpers for browser tests."""
from __future__ import annotations

from pathlib import Path

from monitor import TOP

ARTIFACTS = TOP / "tests" / "artifacts"


def shot(page, name: str) -> Path:  # noqa: ANN001
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def no_horizontal_overflow(page) -> bool:  # noqa: ANN001
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
