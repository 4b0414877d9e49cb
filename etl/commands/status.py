"""`htsd status`: what the warehouse holds and how the last run went."""

from __future__ import annotations

import click

from etl.commands.common import App, emit_json, handle_errors, pass_app
from warehouse.db import redact_url
from warehouse.status import warehouse_status

RUN_STATUS = {  # run-log status → (Vietnamese, English) for people; JSON keeps the code
    "ok": ("xong", "ok"),
    "failed": ("lỗi", "failed"),
    "running": ("đang chạy", "running"),
    "interrupted": ("bị ngắt giữa chừng", "interrupted"),
}


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@pass_app
@handle_errors
def status_command(app: App, as_json: bool) -> None:
    """Show, per asset, the submissions stored and the last run.

    JSON form: {"assets": {"<uid>": {"submissions": N, "edited": N, "deleted": N,
    "versions": N, "history": N, "typed": {"tables": [...], "current": N, "findings": N},
    ...}}, "last_run": {...}}

    Example: htsd status --json
    """
    data = warehouse_status(app.engine())
    data["warehouse"] = redact_url(app.settings.database_url)
    if as_json:
        emit_json(data)
        return
    t = app.t
    click.echo(t("Kho dữ liệu", "Warehouse") + f": {data['warehouse']}")
    if not data["assets"]:
        click.echo(t("Chưa có dữ liệu nào.", "No data yet."))
    for uid, entry in data["assets"].items():
        label = f"{entry['form']} ({uid})" if entry.get("form") else uid
        click.echo(
            f"{label}: {entry['submissions']} "
            + t("bản ghi", "submissions")
            + f", {entry['edited']} "
            + t("đã sửa", "edited")
            + f", {entry['deleted']} "
            + t("đã xóa", "deleted")
            + f", {entry['history']} "
            + t("phiên bản cũ", "earlier versions")
        )
        typed = entry.get("typed")
        if typed:
            click.echo(
                f"  {typed['current']} "
                + t("dòng hiện hành trong", "current rows in")
                + f" {typed['tables'][0]} (+{len(typed['tables']) - 1} "
                + t("bảng lặp", "repeat tables")
                + f"), {typed['findings']} "
                + t("phát hiện khi nạp", "load findings")
            )
    run = data["last_run"]
    if run:
        state = RUN_STATUS.get(run["status"], (run["status"], run["status"]))
        click.echo(
            t("Lần chạy cuối", "Last run")
            + f": #{run['id']} {run['command']} {t(*state)} {run['started_at']}"
            + (f" — {run['error']}" if run.get("error") else "")
        )


COMMANDS = [status_command]
