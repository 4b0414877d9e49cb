"""The peak resident memory of a child process, read from /proc while it runs."""

from __future__ import annotations

from pathlib import Path


def peak_mb(pid: int, marker: bytes = b"") -> float | None:
    """The high-water mark of a running process's resident memory (VmHWM) in MB, once its
    command line holds `marker` (past its exec); None before that, or once it has ended.

    Read while the child runs: `wait4`'s ru_maxrss would count the parent's memory at the
    fork (the bench holds the generated submissions)."""
    try:
        if marker and marker not in Path(f"/proc/{pid}/cmdline").read_bytes():
            return None
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None
