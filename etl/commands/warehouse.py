"""`htsd rebuild` and `htsd forms drift`: the typed tables of the warehouse.

The commands parse flags, call warehouse.load / warehouse.drift and print; no database logic
lives here.
"""

from __future__ import annotations

from typing import Any

import click
import sqlalchemy as sa

from etl.commands.common import App, emit_json, handle_errors, pass_app, run_logged
from warehouse.drift import Drift, asset_drift
from warehouse.load import LoadResult, rebuild
from warehouse.schema import kobo_asset_version, raw_submission


def load_line(app: App, uid: str, r: LoadResult | None) -> str:
    """One line on an asset's typed tables after a load (sync, import or rebuild)."""
    label = app.asset_label(uid)
    if r is None:
        return app.t(
            f"{label}: bảng dữ liệu chờ nội dung biểu mẫu (chạy htsd sync --asset {uid})",
            f"{label}: typed tables wait for the form content (run htsd sync --asset {uid})",
        )
    if app.lang == "en":
        return (
            f"{label}: {r.live} current, {r.deleted} deleted, {len(r.tables)} tables "
            f"({r.loaded} loaded, {r.unchanged} unchanged), {r.findings} findings "
            f"({r.duration_s:.1f} s)"
        )
    return (
        f"{label}: {r.live} hiện hành, {r.deleted} đã xóa, {len(r.tables)} bảng "
        f"({r.loaded} nạp, {r.unchanged} không đổi), {r.findings} phát hiện "
        f"({r.duration_s:.1f} giây)"
    )


@click.command("rebuild")
@click.option("--asset", "asset_uid", metavar="UID", help="Only this asset (else every asset).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@pass_app
@handle_errors
def rebuild_command(app: App, asset_uid: str | None, as_json: bool) -> None:
    """Dựng lại các bảng dữ liệu từ bản ghi gốc / Recreate the typed tables from raw data.

    Drops each asset's typed tables, views and registry rows, then loads every stored
    submission again with the content of the form version it was collected with.

    Example: htsd rebuild --asset aBcDeFgHiJkLmNoPqRsTuV
    """
    results: list[LoadResult] = []

    def body(run_id: int) -> dict[str, Any]:
        results.extend(rebuild(app.engine(), asset_uid=asset_uid, run_id=run_id))
        return {"assets": {r.asset_uid: r.as_dict() for r in results}}

    counts = run_logged(app, "rebuild", {"asset": asset_uid}, body)
    if as_json:
        emit_json(counts)
        return
    if not results:
        click.echo(app.t("Kho dữ liệu chưa có dự án nào.", "The warehouse holds no asset yet."))
    for result in results:
        click.echo(load_line(app, result.asset_uid, result))


def _server_of(app: App, asset_uid: str) -> str:
    """The server an asset's data came from; the configured one when several or none."""
    engine = app.engine()
    servers: set[str] = set()
    with engine.connect() as conn:
        for table in (kobo_asset_version, raw_submission):
            servers.update(
                conn.execute(
                    sa.select(table.c.server).where(table.c.asset_uid == asset_uid).distinct()
                ).scalars()
            )
    if len(servers) == 1:
        return servers.pop()
    return app.settings.kobo_url


def _print_drift(app: App, drift: Drift) -> None:
    t = app.t
    click.echo(f"{drift.asset_uid}: {drift.from_version} → {drift.to_version}")
    if not drift.changes:
        click.echo(t("Không có thay đổi nào.", "No changes."))
    names = {
        "renamed": t("đổi tên", "renamed"),
        "added": t("thêm", "added"),
        "removed": t("bỏ", "removed"),
        "retyped": t("đổi kiểu", "retyped"),
    }
    for c in drift.changes:
        if c.change == "renamed":
            what = f"{c.old_path} → {c.path}"
        elif c.change == "retyped":
            what = f"{c.path} ({c.old_type} → {c.new_type})"
        else:
            what = f"{c.path} ({c.new_type or c.old_type})"
        click.echo(f"  {names[c.change]:<9} {what} — {c.policy_text(app.lang)}")


@click.command("drift")
@click.argument("asset_uid", metavar="ASSET")
@click.option(
    "--from", "from_version", metavar="V1", help="Older version uid (default: the one before --to)."
)
@click.option("--to", "to_version", metavar="V2", help="Newer version uid (default: the latest).")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@pass_app
@handle_errors
def drift_command(
    app: App, asset_uid: str, from_version: str | None, to_version: str | None, as_json: bool
) -> None:
    """Thay đổi giữa hai phiên bản biểu mẫu / Changes between two form versions.

    Lists the questions renamed, added, removed or retyped, each with the policy the
    warehouse applies: a new column, a column kept, or answers going on in the same column.
    Versions are those stored by htsd sync.

    Example: htsd forms drift aBcDeFgHiJkLmNoPqRsTuV --from vAbc --to vDef
    """
    drift = asset_drift(
        app.engine(), _server_of(app, asset_uid), asset_uid, from_version, to_version
    )
    if as_json:
        emit_json(drift.as_dict(app.lang))
        return
    _print_drift(app, drift)


COMMANDS = [rebuild_command]  # drift_command is mounted under `htsd forms`
