"""One throwaway Ed25519 log key for the benchmarks' apps and gunicorn instances (outside
the embedded default monitor refuses to start without FLASK_MONITOR_LOG_KEY_FILE)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def key_file() -> str:
    from monitor.services.results.log_key import write_new_key

    path = Path(tempfile.gettempdir()) / f"monitor-bench-log-key-{os.getuid()}.pem"
    if not path.exists():
        try:
            write_new_key(path)
        except FileExistsError:
            pass
    return str(path)
