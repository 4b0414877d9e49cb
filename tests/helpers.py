"""Running the real `htsd` command in a subprocess, as a user or cron would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

HTSD = [sys.executable, "-m", "etl"]


def run_htsd(
    args: list[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HTSD_", "KOBOTOOLBOX_"))}
    clean.update(env or {})
    return subprocess.run(
        [*HTSD, *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
