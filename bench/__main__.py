"""`make bench`: measure sync and load throughput, peak memory and growth with the size.

Each case starts a local KoboToolbox with N generated submissions, syncs them into a fresh
SQLite warehouse (and, when HTSD_BENCH_POSTGRES_URL is set, a fresh schema of that PostgreSQL
database, dropped afterwards) and loads the typed
tables (timing its stages: normalise, validate, write), then runs a second, incremental sync
and load (which change nothing). Figures are
wall-clock seconds and submissions per second on this machine; peak memory is the process's
maximum resident set size after each case.

Usage: python -m bench [--sizes 5000,10000,30000] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from etl.kobo.client import KoboClient
from etl.sync import sync_asset
from localkobo import LocalKoboServer
from localkobo.province import demo_kobo
from warehouse.db import make_engine, normalise_url
from warehouse.load import load_asset
from warehouse.migrate import upgrade
from warehouse.runlog import start_run


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _case(size: int, url: str) -> dict[str, Any]:
    demo = demo_kobo(size, seed=size)
    with LocalKoboServer(demo.kobo) as server:
        engine = make_engine(url)
        upgrade(engine)
        client = KoboClient(server.url, demo.token)
        started = time.perf_counter()
        first = sync_asset(engine, client, demo.asset_uid, start_run(engine, "bench"))
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        loaded = load_asset(engine, client.server, demo.asset_uid)
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        second = sync_asset(engine, client, demo.asset_uid, start_run(engine, "bench"))
        second_s = time.perf_counter() - started
        started = time.perf_counter()
        again = load_asset(engine, client.server, demo.asset_uid)
        second_load_s = time.perf_counter() - started
        engine.dispose()
    assert first.new == size and second.unchanged == size
    assert loaded.loaded == size and again.unchanged == size
    return {
        "submissions": size,
        "database": url.split(":", 1)[0],
        "first_sync_s": round(first_s, 2),
        "first_sync_per_s": round(size / first_s),
        "first_load_s": round(load_s, 2),
        "first_load_per_s": round(size / load_s),
        "normalise_s": loaded.normalise_s,
        "validate_s": loaded.validate_s,
        "write_s": loaded.write_s,
        "second_sync_s": round(second_s, 2),
        "second_load_s": round(second_load_s, 2),
        "pages": first.pages,
        "peak_rss_mb": round(_rss_mb(), 1),
    }


@contextlib.contextmanager
def _fresh(url: str, size: int) -> Iterator[str]:
    """A fresh warehouse per case: a new SQLite file, or a PostgreSQL schema dropped after."""
    if url.startswith("sqlite"):
        yield url
        return
    schema = f"htsd_bench_{os.getpid()}_{size}"
    admin = sa.create_engine(normalise_url(url))
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    joiner = "&" if "?" in url else "?"
    try:
        yield f"{url}{joiner}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--sizes", default="5000,10000,30000")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        urls = [f"sqlite:///{Path(folder) / 'bench-{n}.sqlite'}"]
        if os.environ.get("HTSD_BENCH_POSTGRES_URL"):
            urls.append(os.environ["HTSD_BENCH_POSTGRES_URL"])
        for url_template in urls:
            for size in sizes:
                with _fresh(url_template.replace("{n}", str(size)), size) as url:
                    rows.append(_case(size, url))
                if not args.json:
                    r = rows[-1]
                    print(
                        f"{r['database']:<12} {r['submissions']:>7} subs  first sync "
                        f"{r['first_sync_s']:>6.2f}s ({r['first_sync_per_s']:>6}/s)  "
                        f"load {r['first_load_s']:>6.2f}s ({r['first_load_per_s']:>6}/s: "
                        f"normalise {r['normalise_s']:.2f}s, validate {r['validate_s']:.2f}s, "
                        f"write {r['write_s']:.2f}s)  "
                        f"incremental {r['second_sync_s']:>5.2f}s + {r['second_load_s']:>5.2f}s  "
                        f"peak RSS {r['peak_rss_mb']} MB"
                    )
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
