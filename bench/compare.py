"""`make bench`: `htsd sync` side by side with a minimal hand-written pipeline, in one run.

One local KoboToolbox serves N generated family evaluations (with their household rosters).
Then, alternating A B A B for `--reps` rounds, each as a process of its own into a fresh
warehouse on the same server:
- A, the product: `htsd sync --no-validate` (raw landing, sweep, versions, typed tables);
- B, the baseline (`python -m bench.compare baseline …`): requests fetches the same pages,
  json parses them, the main answers go to one table and the roster to one child table, with
  executemany (the columns are those of the first page). Kept minimal, not tuned down;
- C, on PostgreSQL, the same baseline writing by COPY.
Then, on the last round's warehouses, a sync with nothing new (beside the bare transfer of
the sweep's pages) and one after 1% new, 0.5% edited and 0.1% deleted submissions; and one
sync per smaller N of `--growth`, for the exponent of time ∝ N^k.
Each round's wall time and peak resident memory (the process's own VmHWM, read while it
runs) are kept; the table gives the medians, the spread (min–max) and our median over the
baseline's. SQLite always; PostgreSQL too when HTSD_BENCH_POSTGRES_URL is set (a fresh schema
per run, dropped afterwards). Results are appended to bench/results/compare.jsonl.

Usage: python -m bench.compare [--size 100000] [--reps 3] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.proc import peak_mb

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PAGE = 1000


# -- B: the baseline ------------------------------------------------------------------------


def baseline(server: str, token: str, asset_uid: str, url: str, copy: str = "") -> None:
    """Fetch every submission, flatten the roster into a child table, write both (with
    `copy`, on PostgreSQL, by COPY instead of executemany)."""
    import requests
    import sqlalchemy as sa

    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    next_url: str | None = f"{server}/api/v2/assets/{asset_uid}/data/?format=json&limit={PAGE}"
    engine = sa.create_engine(url)
    main_columns: list[str] = []
    child_columns: list[str] = []
    with engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        while next_url:
            page = json.loads(session.get(next_url, timeout=60).content)
            next_url = page.get("next")
            mains: list[tuple[Any, ...]] = []
            children: list[tuple[Any, ...]] = []
            for submission in page["results"]:
                scalars = {k: v for k, v in submission.items() if not isinstance(v, list | dict)}
                rows = [
                    (submission["_id"], number, row)
                    for value in submission.values()
                    if isinstance(value, list) and value and isinstance(value[0], dict)
                    for number, row in enumerate(value, start=1)
                ]
                if not main_columns:
                    main_columns = sorted(scalars)
                    _create(cursor, "main", ["_id"] + [c for c in main_columns if c != "_id"])
                if rows and not child_columns:
                    child_columns = sorted(rows[0][2])
                    _create(cursor, "roster", ["_parent", "_index", *child_columns])
                mains.append(tuple(_text(scalars.get(c)) for c in main_columns))
                children += [
                    (parent, number, *(_text(row.get(c)) for c in child_columns))
                    for parent, number, row in rows
                ]
            write = _copy if copy else _insert
            write(cursor, "main", len(main_columns), mains, mark)
            if child_columns:
                write(cursor, "roster", len(child_columns) + 2, children, mark)
    engine.dispose()


def _text(value: Any) -> Any:
    return value if value is None or isinstance(value, int | float) else str(value)


def _create(cursor: Any, table: str, columns: list[str]) -> None:
    cols = ", ".join(f'"{c}" TEXT' for c in columns)
    cursor.execute(f'CREATE TABLE "{table}" ({cols})')


def _insert(cursor: Any, table: str, width: int, rows: list[tuple[Any, ...]], mark: str) -> None:
    if rows:
        cursor.executemany(f'INSERT INTO "{table}" VALUES ({", ".join([mark] * width)})', rows)


def _copy(cursor: Any, table: str, _width: int, rows: list[tuple[Any, ...]], _mark: str) -> None:
    with cursor.copy(f'COPY "{table}" FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


# -- the runs -------------------------------------------------------------------------------


def _timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS MB) of one process; it must succeed."""
    wall, peak, _ = _run(command, env, cwd)
    return wall, peak


def _run(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB, stdout) of one process; it must succeed."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=err)
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, peak_mb(process.pid, command[2].encode()) or 0.0)
            time.sleep(0.02)
        wall = time.perf_counter() - started
        if process.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(command)} failed: {err.read().decode()[-2000:]}")
        out.seek(0)
        return wall, peak, out.read().decode()


@contextmanager
def _fresh(database: str, folder: Path, name: str) -> Iterator[str]:
    """A fresh warehouse URL: a new SQLite file, or a new PostgreSQL schema dropped after."""
    if database == "sqlite":
        yield f"sqlite:///{folder / (name + '.sqlite')}"
        return
    import sqlalchemy as sa

    base = os.environ["HTSD_BENCH_POSTGRES_URL"]
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        engine.dispose()


HTSD_SYNC = [sys.executable, "-m", "etl", "--silent", "sync", "--no-validate", "--json"]


def _env(clean: dict[str, str], url: str, server: str, token: str) -> dict[str, str]:
    return {
        **clean,
        "HTSD_DATABASE_URL": url,
        "KOBOTOOLBOX_URL": server,
        "KOBOTOOLBOX_TOKEN": token,
    }


def _stages(stdout: str, asset_uid: str) -> dict[str, float]:
    """Where one `htsd sync --json` spent its time: the sync's stages and the typed load's
    (its whole time, then the normalising — on PostgreSQL done ahead by a second thread
    while the batch before is written — and the writing)."""
    asset = json.loads(stdout)["assets"][asset_uid]
    load = asset.get("load") or {}
    stages = dict(asset.get("stages") or {})
    stages["typed load"] = load.get("duration_s", 0.0)
    stages["normalise"] = load.get("normalise_s", 0.0)
    stages["write typed"] = load.get("write_s", 0.0)
    return stages


def _sweep_transfer(server: str, token: str, asset_uid: str) -> float:
    """Seconds to fetch the pages of ids the sweep reads, with nothing else done."""
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    fields = json.dumps(["_id"])
    url: str | None = (
        f"{server}/api/v2/assets/{asset_uid}/data/?format=json&limit={PAGE}"
        f"&fields={fields}&sort={json.dumps({'_id': 1})}"
    )
    started = time.perf_counter()
    while url:
        url = json.loads(session.get(url, timeout=60).content).get("next")
    return time.perf_counter() - started


def _changes(demo: Any, size: int) -> dict[str, int]:
    """1% new, 0.5% edited and 0.1% deleted submissions on the server."""
    kobo, uid = demo.kobo, demo.asset_uid
    ids = sorted(kobo.assets[uid].submissions)
    edited, deleted = ids[1::200][: max(1, size // 200)], ids[7::1000][: max(1, size // 1000)]
    for kobo_id in edited:
        kobo.edit_submission(uid, kobo_id, {})
    kobo.delete_submissions(uid, deleted)
    added = kobo.generate(uid, max(1, size // 100), seed=size + 1)
    return {"new": len(added), "edited": len(edited), "deleted": len(deleted)}


def compare(size: int, reps: int) -> list[dict[str, Any]]:
    from localkobo import LocalKoboServer
    from localkobo.province import demo_kobo

    demo = demo_kobo(size, seed=size)
    databases = ["sqlite"] + (["postgresql"] if os.environ.get("HTSD_BENCH_POSTGRES_URL") else [])
    rows: list[dict[str, Any]] = []
    with (
        LocalKoboServer(demo.kobo) as server,
        tempfile.TemporaryDirectory() as tmp,
        contextlib.ExitStack() as keep,
    ):
        folder = Path(tmp)
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("HTSD_", "KOBO"))}
        kept: list[tuple[str, str]] = []  # each database's last warehouse, kept for later
        for database in databases:
            times: dict[str, list[tuple[float, float]]] = {"htsd": [], "baseline": [], "copy": []}
            stages: dict[str, float] = {}
            for rep in range(reps):
                with contextlib.ExitStack() as stack:
                    url = stack.enter_context(_fresh(database, folder, f"a{rep}"))
                    env = _env(clean, url, server.url, demo.token)
                    wall, peak, out = _run([*HTSD_SYNC, "--asset", demo.asset_uid], env, folder)
                    times["htsd"].append((wall, peak))
                    stages = _stages(out, demo.asset_uid)
                    if rep == reps - 1:  # kept for the incremental syncs
                        keep.enter_context(stack.pop_all())
                        kept.append((database, url))
                with _fresh(database, folder, f"b{rep}") as url:
                    command = [sys.executable, "-m", "bench.compare", "baseline", server.url]
                    command += [demo.token, demo.asset_uid, url]
                    times["baseline"].append(_timed(command, clean, ROOT))
                if database == "postgresql":  # C: the baseline writing by COPY
                    with _fresh(database, folder, f"c{rep}") as url:
                        command = [sys.executable, "-m", "bench.compare", "baseline", server.url]
                        command += [demo.token, demo.asset_uid, url, "copy"]
                        times["copy"].append(_timed(command, clean, ROOT))
            ours = [t for t, _ in times["htsd"]]
            theirs = [t for t, _ in times["baseline"]]
            rows.append(
                {
                    "at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "case": "sync_vs_baseline",
                    "database": database,
                    "submissions": size,
                    "reps": reps,
                    "htsd_s": [round(t, 2) for t in ours],
                    "baseline_s": [round(t, 2) for t in theirs],
                    "htsd_peak_mb": round(max(m for _, m in times["htsd"]), 1),
                    "baseline_peak_mb": round(max(m for _, m in times["baseline"]), 1),
                    "ratio": round(statistics.median(ours) / statistics.median(theirs), 2),
                    "baseline_copy_s": [round(t, 2) for t, _ in times["copy"]],
                    "htsd_stages_s": stages,
                }
            )
        # the same warehouses again: a sync with nothing new, then one after changes
        transfer = _sweep_transfer(server.url, demo.token, demo.asset_uid)
        for (_, url), row in zip(kept, rows, strict=True):
            env = _env(clean, url, server.url, demo.token)
            wall, _ = _timed([*HTSD_SYNC, "--asset", demo.asset_uid], env, folder)
            row["nothing_new_s"] = round(wall, 2)
            row["sweep_transfer_s"] = round(transfer, 2)
        changed = _changes(demo, size)
        for (database, url), row in zip(kept, rows, strict=True):
            env = _env(clean, url, server.url, demo.token)
            wall, _, out = _run([*HTSD_SYNC, "--asset", demo.asset_uid], env, folder)
            manifest = json.loads(out)["assets"][demo.asset_uid]
            seen = {key: manifest[key] for key in changed}
            if seen != changed:
                raise SystemExit(f"{database}: the incremental sync saw {seen}, not {changed}")
            row["incremental_s"] = round(wall, 2)
            row["incremental_changes"] = changed
            full = statistics.median(row["htsd_s"])
            row["incremental_share"] = round(wall / full, 3)
    return rows


def growth(sizes: list[int], main: dict[str, Any] | None) -> dict[str, Any]:
    """One `htsd sync` into SQLite per N (its own server), with the main case's median:
    time and peak memory per N and the exponent fitted to time ∝ N^k."""
    from localkobo import LocalKoboServer
    from localkobo.province import demo_kobo

    points: list[tuple[int, float, float]] = []
    for n in sizes:
        demo = demo_kobo(n, seed=n)
        with LocalKoboServer(demo.kobo) as server, tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            clean = {k: v for k, v in os.environ.items() if not k.startswith(("HTSD_", "KOBO"))}
            with _fresh("sqlite", folder, f"g{n}") as url:
                env = _env(clean, url, server.url, demo.token)
                wall, peak = _timed([*HTSD_SYNC, "--asset", demo.asset_uid], env, folder)
        points.append((n, wall, peak))
    if main is not None:
        points.append(
            (main["submissions"], statistics.median(main["htsd_s"]), main["htsd_peak_mb"])
        )
    points.sort()
    xs = [math.log(n) for n, _, _ in points]
    ys = [math.log(t) for _, t, _ in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    exponent = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "case": "growth",
        "database": "sqlite",
        "points": [
            {"submissions": n, "s": round(t, 2), "peak_mb": round(m, 1)} for n, t, m in points
        ],
        "exponent": round(exponent, 3),
        "peak_ratio_to_smallest": round(points[-1][2] / points[0][2], 2),
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "baseline":
        baseline(*sys.argv[2:7])
        return
    parser = argparse.ArgumentParser(prog="python -m bench.compare")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--growth",
        default="10000,30000",
        help="smaller N to time beside --size for the growth fit ('' for none)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = compare(args.size, args.reps)
    sizes = [int(n) for n in args.growth.split(",") if n.strip() and int(n) != args.size]
    if sizes:
        rows.append(growth(sizes, rows[0]))
    RESULTS.mkdir(exist_ok=True)
    with (RESULTS / "compare.jsonl").open("a", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row) + "\n")
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    _print(rows)


def _print(rows: list[dict[str, Any]]) -> None:
    print(f"{'database':<11} {'N':>7}  {'htsd (median, spread)':<26} {'baseline':<26} ratio")
    for row in rows:
        if row["case"] != "sync_vs_baseline":
            continue
        ours, theirs = row["htsd_s"], row["baseline_s"]
        print(
            f"{row['database']:<11} {row['submissions']:>7}  "
            f"{statistics.median(ours):>6.2f}s ({min(ours):.2f}–{max(ours):.2f})"
            f" {row['htsd_peak_mb']:>6.0f} MB  "
            f"{statistics.median(theirs):>6.2f}s ({min(theirs):.2f}–{max(theirs):.2f})"
            f" {row['baseline_peak_mb']:>6.0f} MB  {row['ratio']:.2f}×"
        )
    for row in rows:
        if row.get("baseline_copy_s"):
            copy = row["baseline_copy_s"]
            print(
                f"{row['database']:<11} the baseline writing by COPY:"
                f" {statistics.median(copy):.2f}s ({min(copy):.2f}–{max(copy):.2f}); our ratio"
                f" to it {statistics.median(row['htsd_s']) / statistics.median(copy):.2f}×"
            )
    for row in rows:
        if row["case"] != "sync_vs_baseline":
            continue
        stages = ", ".join(f"{k} {v:.2f}s" for k, v in row["htsd_stages_s"].items())
        print(f"{row['database']:<11} stages of the last htsd sync: {stages}")
        changes = row["incremental_changes"]
        print(
            f"{row['database']:<11} incremental ({changes['new']} new, {changes['edited']} edited,"
            f" {changes['deleted']} deleted): {row['incremental_s']:.2f}s"
            f" = {row['incremental_share']:.1%} of the full sync; nothing new:"
            f" {row['nothing_new_s']:.2f}s (the sweep's transfer alone:"
            f" {row['sweep_transfer_s']:.2f}s)"
        )
    for row in rows:
        if row["case"] == "growth":
            per = ", ".join(
                f"{p['submissions']}: {p['s']:.2f}s {p['peak_mb']:.0f} MB" for p in row["points"]
            )
            print(
                f"growth (sqlite) {per}; time ∝ N^{row['exponent']:.2f}; peak memory"
                f" {row['peak_ratio_to_smallest']:.2f}× the smallest N's"
            )


if __name__ == "__main__":
    main()
