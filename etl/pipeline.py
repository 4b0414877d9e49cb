"""The stages after landing: the typed tables of each asset brought up to date.

`sync` and `import` land raw payloads first (design invariant 1); then `load_typed` loads
each asset's typed tables from the raw landing (warehouse/load.py). Loading is idempotent
and resumable: a run killed while loading leaves the raw landing whole, and the next run
loads what differs. An asset whose form content is not stored yet (data imported from files
before any sync) is left for a later `htsd sync`, which reads the content from the server.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from sqlalchemy.engine import Engine

from warehouse.load import LoadResult, load_asset
from warehouse.messages import WarehouseCode, WarehouseError

log = logging.getLogger(__name__)


def load_typed(
    engine: Engine,
    server: str,
    asset_uids: Iterable[str],
    run_id: int | None,
    form_names: Mapping[str, str] | None = None,
) -> dict[str, LoadResult | None]:
    """Asset uid → its load result, or None when no form content is stored for it yet.

    `form_names` (asset uid → form, from [kobo.assets]) names an asset's tables on its first
    load; otherwise the form recorded by `htsd forms deploy` does, else the asset uid."""
    results: dict[str, LoadResult | None] = {}
    names = form_names or {}
    for uid in dict.fromkeys(asset_uids):
        try:
            results[uid] = load_asset(engine, server, uid, run_id, form_name=names.get(uid))
        except WarehouseError as error:
            if error.code != WarehouseCode.NO_CONTENT:
                raise
            log.info("asset %s: no form content stored; typed tables wait for sync", uid)
            results[uid] = None
    return results
