"""Helpers for browser tests."""
from __future__ import annotations

import os
from pathlib import Path

from monitor import TOP

ARTIFACTS = TOP / "tests" / "artifacts"


def shot(page, name: str) -> Path | None:  # noqa: ANN001
    """With MONITOR_SCREENSHOTS=1, a full-page screenshot for a person to look at (in
    tests/artifacts/). Off by default: the 88 screenshots were a sixth of the browser
    tests' time, and no test reads them."""
    if os.environ.get("MONITOR_SCREENSHOTS") != "1":
        return None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def no_horizontal_overflow(page) -> bool:  # noqa: ANN001
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
