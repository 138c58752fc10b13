"""The demo's data, read from the JSON files in data/ (see data/README.md for what they hold
and where their content comes from). No logic here: seed.py turns the data into rows and
its relative dates into calendar dates."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent / "data"


def _load(name: str) -> Any:  # noqa: ANN401
    return json.loads((FOLDER / f"{name}.json").read_text(encoding="utf-8"))


BODIES = _load("bodies")
PLANS = _load("plans")
PERIODS = _load("periods")
FILES = _load("files")
RECOMMENDATIONS = _load("recommendations")
ORGANIZATIONS = _load("organizations")
COORDINATORS = _load("coordinators")
MONITORED_FILES = _load("monitored_files")
OFFICIAL_PROGRESS = _load("official_progress")
EVALUATION_PATTERN = _load("evaluation_pattern")
#: {score (0, 25, ... 100) or "no_information": [{"ar", "ckb", "en"}, ...]}
ASSESSMENT_SNIPPETS = {
    (key if key == "no_information" else int(key)): value
    for key, value in _load("assessment_snippets").items()
}
