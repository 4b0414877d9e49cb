"""KoboToolbox assets and the content of each of their versions, as read from the server.

Submissions are decoded with the content of the version they were collected with
(`__version__`), so every version seen in the data is kept here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from warehouse.db import update_or_insert
from warehouse.schema import form_deployment, kobo_asset, kobo_asset_version, raw_submission


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def save_asset(conn: Connection, server: str, asset: Mapping[str, Any], run_id: int) -> None:
    key = {"server": server, "asset_uid": asset["uid"]}
    values = {
        "name": asset.get("name"),
        "version_id": asset.get("version_id"),
        "deployed_version_id": asset.get("deployed_version_id"),
        "deployment_uuid": asset.get("deployment__uuid"),
        "has_deployment": bool(asset.get("has_deployment")),
        "content": _dump(asset.get("content") or {}),
        "fetched_run": run_id,
    }
    update_or_insert(conn, kobo_asset, key, values)


def has_content(conn: Connection, server: str, asset_uid: str) -> bool:
    """Whether any form content of the asset is stored (a version, or the asset's own)."""
    v, a = kobo_asset_version, kobo_asset
    if conn.execute(
        sa.select(v.c.version_uid).where(v.c.server == server, v.c.asset_uid == asset_uid).limit(1)
    ).first():
        return True
    content = conn.execute(
        sa.select(a.c.content).where(a.c.server == server, a.c.asset_uid == asset_uid)
    ).scalar()
    return bool(content and json.loads(content).get("survey"))


def save_file_form(
    conn: Connection,
    server: str,
    asset_uid: str,
    content: Mapping[str, Any],
    name: str | None,
    version_id: str,
    run_id: int,
) -> bool:
    """Store a form read from a file (`htsd import --form`) as the asset's content, unless
    content read from the server is stored already; True when stored. A later sync replaces
    it with the server's."""
    if has_content(conn, server, asset_uid):
        return False
    asset = {"uid": asset_uid, "name": name, "version_id": version_id, "content": content}
    save_asset(conn, server, asset, run_id)
    return True


def known_versions(engine: Engine, server: str, asset_uid: str) -> set[str]:
    t = kobo_asset_version
    with engine.connect() as conn:
        return set(
            conn.execute(
                sa.select(t.c.version_uid).where(t.c.server == server, t.c.asset_uid == asset_uid)
            ).scalars()
        )


def versions_in_data(engine: Engine, server: str, asset_uid: str) -> set[str]:
    t = raw_submission
    with engine.connect() as conn:
        return {
            v
            for v in conn.execute(
                sa.select(t.c.form_version)
                .where(t.c.server == server, t.c.asset_uid == asset_uid)
                .distinct()
            ).scalars()
            if v
        }


def save_version(
    conn: Connection, server: str, asset_uid: str, version: Mapping[str, Any], run_id: int
) -> None:
    date_deployed = version.get("date_deployed")
    conn.execute(
        kobo_asset_version.insert().values(
            server=server,
            asset_uid=asset_uid,
            version_uid=version["uid"],
            content_hash=version.get("content_hash"),
            date_deployed=date_deployed if isinstance(date_deployed, str) else None,
            content=_dump(version.get("content") or {}),
            fetched_run=run_id,
        )
    )


def version_contents(engine: Engine, server: str, asset_uid: str) -> dict[str, dict[str, Any]]:
    """Content of every stored version of an asset, by version uid."""
    t = kobo_asset_version
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.c.version_uid, t.c.content).where(
                t.c.server == server, t.c.asset_uid == asset_uid
            )
        )
        return {row.version_uid: json.loads(row.content) for row in rows}


def last_deployment(engine: Engine, server: str, form_name: str) -> Mapping[str, Any] | None:
    t = form_deployment
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(t)
            .where(t.c.server == server, t.c.form_name == form_name)
            .order_by(t.c.id.desc())
            .limit(1)
        ).first()
    return dict(row._mapping) if row else None


def record_deployment(conn: Connection, **values: Any) -> None:
    conn.execute(form_deployment.insert().values(**values))


def deployed_assets(engine: Engine, server: str | None = None) -> dict[str, set[str]]:
    """Form name → the asset uids `htsd forms deploy` last put it into, one per server (of
    `server` only, when given)."""
    t = form_deployment
    latest: dict[tuple[str, str], str] = {}
    query = sa.select(t.c.server, t.c.form_name, t.c.asset_uid).order_by(t.c.id)
    if server is not None:
        query = query.where(t.c.server == server)
    with engine.connect() as conn:
        for row in conn.execute(query):
            latest[(row.server, row.form_name)] = row.asset_uid
    out: dict[str, set[str]] = {}
    for (_server, form), uid in latest.items():
        out.setdefault(form, set()).add(uid)
    return out


def deployed_form_name(conn: Connection, server: str, asset_uid: str) -> str | None:
    """The form `htsd forms deploy` last put into this asset, if it did."""
    t = form_deployment
    return conn.execute(
        sa.select(t.c.form_name)
        .where(t.c.server == server, t.c.asset_uid == asset_uid)
        .order_by(t.c.id.desc())
        .limit(1)
    ).scalar()


def asset_servers(engine: Engine, asset_uid: str) -> set[str]:
    """Every server the warehouse holds versions or submissions of this asset from."""
    servers: set[str] = set()
    with engine.connect() as conn:
        for table in (kobo_asset_version, raw_submission):
            servers.update(
                conn.execute(
                    sa.select(table.c.server).where(table.c.asset_uid == asset_uid).distinct()
                ).scalars()
            )
    return servers
