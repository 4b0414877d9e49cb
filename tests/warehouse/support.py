"""Shared by the typed-table tests: KPI content builders, landing without HTTP, read-back.

`land_store` puts a LocalKobo asset into the raw landing the way `htsd sync` does (asset,
version contents, payloads as the data endpoint renders them, deletions marked), without
the HTTP round trips, so the load tests stay fast. `read_answers` reads the typed tables back
into `{path: value}` per row through the registry alone, independently of the loader's code.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from localkobo import LocalKobo
from warehouse.assets import save_asset, save_version
from warehouse.catalog import form_column, form_field, form_table
from warehouse.raw import RawRecord, land_records, mark_deleted
from warehouse.schema import kobo_asset_version
from warehouse.typed import SQL_TYPES
from warehouse.values import Geopoint, Value

SERVER = "http://kobo.test"
VI_EN = ["Tiếng Việt (vi)", "English (en)"]


def row(kind: str, path: str, vi: str = "", en: str = "", **extra: Any) -> dict[str, Any]:
    """A KPI survey row for `path`, labelled in Vietnamese and English."""
    name = path.rsplit("/", 1)[-1]
    out: dict[str, Any] = {
        "type": kind,
        "name": name,
        "$autoname": name,
        "$kuid": extra.pop("kuid", None) or f"k{zlib.crc32(path.encode()):08x}",
        "$xpath": path,
    }
    if vi or en:
        out["label"] = [vi or name, en or name]
    out.update(extra)
    return out


def end(kind: str) -> dict[str, Any]:
    return {"type": f"end_{kind}"}


def choices(list_name: str, *options: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [
        {"list_name": list_name, "name": n, "$autovalue": n, "label": [vi, en]}
        for n, vi, en in options
    ]


def content(survey: list[dict[str, Any]], choice_rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schema": "1",
        "survey": survey,
        "choices": choice_rows,
        "settings": {"default_language": VI_EN[0]},
        "translations": VI_EN,
        "translated": ["label", "hint"],
    }


def save_versions(
    engine: Engine,
    server: str,
    kobo: LocalKobo,
    uid: str,
    run_id: int,
    only: Iterable[str] | None = None,
) -> None:
    """Store the asset and its versions' content (`only` these versions when given)."""
    asset = kobo.assets[uid]
    wanted = set(only) if only is not None else {v.uid for v in asset.versions}
    with engine.connect() as conn:
        stored = set(
            conn.execute(
                sa.select(kobo_asset_version.c.version_uid).where(
                    kobo_asset_version.c.asset_uid == uid
                )
            ).scalars()
        )
    with engine.begin() as conn:
        save_asset(
            conn,
            server,
            {
                "uid": uid,
                "name": asset.name,
                "content": asset.content,
                "has_deployment": asset.deployed,
                "version_id": asset.version_id,
                "deployed_version_id": asset.deployed_version_id,
            },
            run_id,
        )
        for version in asset.versions:
            if version.uid not in stored and version.uid in wanted:
                save_version(
                    conn,
                    server,
                    uid,
                    {
                        "uid": version.uid,
                        "content": version.content,
                        "content_hash": version.content_hash,
                        "date_deployed": version.date_deployed,
                    },
                    run_id,
                )


def land_payloads(
    engine: Engine, server: str, uid: str, run_id: int, payloads: Iterable[Mapping[str, Any]]
) -> None:
    with engine.begin() as conn:
        land_records(conn, server, uid, run_id, [RawRecord.from_payload(p) for p in payloads])


def land_store(
    engine: Engine, kobo: LocalKobo, uid: str, run_id: int, versions: Iterable[str] | None = None
) -> None:
    """Land every submission of a LocalKobo asset and mark the ones gone, like `htsd sync`."""
    save_versions(engine, SERVER, kobo, uid, run_id, versions)
    asset = kobo.assets[uid]
    land_payloads(
        engine, SERVER, uid, run_id, [kobo.rendered(asset, d) for d in asset.submissions.values()]
    )
    with engine.begin() as conn:
        mark_deleted(conn, SERVER, uid, run_id, asset.submissions)


RowKey = tuple[int, str | None, tuple[int, ...]]  # (_id, repeat path, repeat index path)


def read_answers(
    engine: Engine, server: str, asset_uid: str, ids: Iterable[int] | None = None
) -> dict[RowKey, tuple[dict[str, Value], dict[str, str]]]:
    """Every typed row as ({path: value}, {path: unparsed text}), read via the registry."""
    wanted = set(ids) if ids is not None else None
    key = {"server": server, "asset_uid": asset_uid}
    out: dict[RowKey, tuple[dict[str, Value], dict[str, str]]] = {}
    with engine.connect() as conn:
        tables = conn.execute(sa.select(form_table).filter_by(**key)).all()
        parts: dict[tuple[str, str], dict[str, str]] = {}
        kinds: dict[tuple[str, str], str] = {}
        typed: dict[str, list[sa.ColumnClause[Any]]] = {}
        for c in conn.execute(sa.select(form_column).filter_by(**key)):
            part = f"choice:{c.choice}" if c.part == "choice" else c.part
            parts.setdefault((c.table_name, c.unit), {})[part] = c.column_name
            kinds[(c.table_name, c.unit)] = c.kind
            typed.setdefault(c.table_name, []).append(
                sa.column(c.column_name, SQL_TYPES[c.data_type]())
            )
        fields = conn.execute(sa.select(form_field).filter_by(**key)).all()
        main = next(t.table_name for t in tables if t.repeat_path == "")
        meta = sa.table(main, sa.column("_id"), sa.column("_decoded_with"))
        decoded = {r[0]: r[1] for r in conn.execute(sa.select(meta.c._id, meta.c._decoded_with))}
        for table in tables:
            depth = table.depth
            system = ["_id", "_unparsed", *(f"_i{level}" for level in range(1, depth + 1))]
            columns = [*(sa.column(c) for c in system), *typed.get(table.table_name, [])]
            query = sa.select(*columns).select_from(sa.table(table.table_name))
            for r in conn.execute(query).mappings():
                kobo_id = int(r["_id"])
                if wanted is not None and kobo_id not in wanted:
                    continue
                index = tuple(int(r[f"_i{level}"]) for level in range(1, depth + 1))
                values: dict[str, Value] = {}
                for f in fields:
                    if f.version_uid != decoded[kobo_id] or f.table_name != table.table_name:
                        continue
                    unit = (f.table_name, f.unit)
                    value = _value(r, parts[unit], kinds[unit])
                    if value is not None:
                        values[f.field_path] = value
                unparsed = r["_unparsed"]
                out[(kobo_id, table.repeat_path or None, index)] = (
                    values,
                    json.loads(unparsed) if unparsed else {},
                )
    return out


def _value(r: sa.RowMapping, parts: Mapping[str, str], kind: str) -> Value | None:
    if "latitude" in parts:
        if r[parts["latitude"]] is None:
            return None
        return Geopoint(*(r[parts[p]] for p in ("latitude", "longitude", "altitude", "accuracy")))
    value = r[parts["value"]]
    flags = {k[len("choice:") :]: r[c] for k, c in parts.items() if k.startswith("choice:")}
    if value is None:
        assert all(f is None for f in flags.values()), "choice flags set for no answer"
        return None
    if flags or kind == "select_multiple":  # (choices from a file have no 0/1 columns)
        codes = tuple(value.split())
        assert {c for c, f in flags.items() if f == 1} == set(codes) & set(flags)
        assert all(f in (0, 1) for f in flags.values())
        return codes
    return value


def snapshot(engine: Engine, server: str, asset_uid: str) -> dict[str, Any]:
    """Every typed table and view of an asset: columns and sorted rows."""
    key = {"server": server, "asset_uid": asset_uid}
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        names = conn.execute(
            sa.select(form_table.c.table_name, form_table.c.view_name).filter_by(**key)
        ).all()
        for table, view in names:
            for name in (table, view):
                result = conn.execute(sa.text(f'SELECT * FROM "{name}"'))
                rows = sorted(tuple(r) for r in result)
                out[name] = (list(result.keys()), rows)
        out["form_column"] = sorted(
            tuple(r) for r in conn.execute(sa.select(form_column).filter_by(**key))
        )
        out["form_field"] = sorted(
            tuple(r) for r in conn.execute(sa.select(form_field).filter_by(**key))
        )
    return out
