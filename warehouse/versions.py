"""The versions of a form: their content as stored by sync, in order, and their registry.

A version's order is its deployment date, then the first `_id` collected with it, then its
uid. When no version content is stored yet (an asset with no data), the asset's own content
stands for its deployed version, so its tables exist before the first submission.
`register_versions` fills the form-version registry (`form_version`) and the label tables.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from forms.schema import FormSchema
from warehouse.catalog import form_version, insert_rows
from warehouse.labels import write_labels
from warehouse.layout import Layout
from warehouse.schema import kobo_asset, kobo_asset_version, raw_submission


@dataclass(frozen=True)
class FormVersion:
    """One stored version of an asset with its FormSchema."""

    uid: str
    schema: FormSchema
    date_deployed: str | None = None
    content_hash: str | None = None


def form_versions(engine: Engine, server: str, asset_uid: str) -> list[FormVersion]:
    """Every stored version of the asset, oldest first."""
    v, r = kobo_asset_version, raw_submission
    with engine.connect() as conn:
        rows = list(
            conn.execute(
                sa.select(v.c.version_uid, v.c.content, v.c.date_deployed, v.c.content_hash).where(
                    v.c.server == server, v.c.asset_uid == asset_uid
                )
            )
        )
        first_id = dict(
            conn.execute(
                sa.select(r.c.form_version, sa.func.min(r.c.kobo_id))
                .where(r.c.server == server, r.c.asset_uid == asset_uid)
                .group_by(r.c.form_version)
            ).all()
        )
        if not rows:
            asset = conn.execute(
                sa.select(kobo_asset).where(
                    kobo_asset.c.server == server, kobo_asset.c.asset_uid == asset_uid
                )
            ).first()
            content = json.loads(asset.content) if asset and asset.content else {}
            if asset is None or not content.get("survey"):
                return []
            uid = asset.deployed_version_id or asset.version_id or "current"
            return [FormVersion(uid, FormSchema.from_kpi_content(content, version=uid))]
    rows.sort(key=lambda x: (x.date_deployed or "~", first_id.get(x.version_uid, 0), x.version_uid))
    return [
        FormVersion(
            x.version_uid,
            FormSchema.from_kpi_content(json.loads(x.content), version=x.version_uid),
            x.date_deployed,
            x.content_hash,
        )
        for x in rows
    ]


def register_versions(
    conn: Connection,
    layout: Layout,
    versions: Sequence[FormVersion],
    new: Sequence[str],
    run_id: int | None,
) -> None:
    by_uid = {v.uid: v for v in versions}
    rows = []
    for uid in new:
        version = by_uid[uid]
        schema = version.schema
        rows.append(
            {
                "server": layout.server,
                "asset_uid": layout.asset_uid,
                "version_uid": uid,
                "position": layout.versions.index(uid),
                "date_deployed": version.date_deployed,
                "content_hash": version.content_hash,
                "title": schema.title or None,
                "languages": ",".join(lang.code for lang in schema.languages),
                "questions": sum(1 for f in schema.fields if f.has_data),
                "loaded_run": run_id,
            }
        )
        write_labels(conn, layout.server, layout.asset_uid, schema)
    insert_rows(conn, form_version, rows)
