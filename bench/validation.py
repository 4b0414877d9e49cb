"""`make bench` — validating N family evaluations with rosters: time and peak memory.

The warehouse is prepared first (the local KoboToolbox generates N evaluations of the
Learning Family form, `htsd sync --no-validate` pulls and loads them into a fresh SQLite
file); then `htsd validate --all --json` runs as its own process, as cron would run it, and
its wall-clock time and peak resident memory (its VmHWM, read while it runs) are
what is reported, with the findings it recorded.

Usage: python -m bench.validation [--size 100000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.proc import peak_mb
from localkobo import LocalKoboServer
from localkobo.province import demo_kobo

HTSD = [sys.executable, "-m", "etl"]


def _run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """Run htsd; (wall seconds, peak RSS MB of that process alone, stdout).

    The peak is read from /proc while it runs: `wait4`'s ru_maxrss would count the memory
    of this process (which holds the generated submissions) at the fork."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen([*HTSD, *args], env=env, cwd=cwd, stdout=out, stderr=err)
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, peak_mb(process.pid, b"etl") or 0.0)
            time.sleep(0.02)
        wall = time.perf_counter() - started
        code = process.returncode
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if code not in (0, 4):
        raise SystemExit(f"htsd {' '.join(args)} failed ({code}): {stderr[-2000:]}")
    return wall, peak, stdout


def validation_case(size: int, folder: Path) -> dict[str, Any]:
    """Prepare a warehouse of `size` family evaluations, then time `htsd validate --all`."""
    generated = time.perf_counter()
    demo = demo_kobo(size, seed=size)
    generate_s = time.perf_counter() - generated
    url = f"sqlite:///{folder / f'validate-{size}.sqlite'}"
    with LocalKoboServer(demo.kobo) as server:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("HTSD_", "KOBOTOOLBOX_"))},
            "HTSD_DATABASE_URL": url,
            "KOBOTOOLBOX_URL": server.url,
            "KOBOTOOLBOX_TOKEN": demo.token,
        }
        sync_s, _, _ = _run(["sync", "--no-validate", "--asset", demo.asset_uid], env, folder)
        wall, rss, out = _validate(env, folder)
    summary = json.loads(out)["assets"][demo.asset_uid]
    return {
        "case": "validate",
        "submissions": size,
        "database": "sqlite",
        "generate_s": round(generate_s, 1),
        "sync_s": round(sync_s, 1),
        "validate_s": round(wall, 2),
        "validate_per_s": round(size / wall),
        "validate_peak_rss_mb": round(rss, 1),
        "checked": summary["checked"],
        "findings": summary["findings"],
    }


def _validate(env: dict[str, str], folder: Path) -> tuple[float, float, str]:
    return _run(["validate", "--all", "--json"], env, folder)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.validation")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        row = validation_case(args.size, Path(folder))
    if args.json:
        print(json.dumps(row, indent=2))
        return
    print(
        f"validate     {row['submissions']:>7} subs  {row['validate_s']:>6.2f}s "
        f"({row['validate_per_s']}/s)  peak RSS {row['validate_peak_rss_mb']} MB  "
        f"({row['checked']} checked, {row['findings']} findings; prepared: generate "
        f"{row['generate_s']}s, sync {row['sync_s']}s)"
    )


if __name__ == "__main__":
    main()
