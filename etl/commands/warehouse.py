"""`htsd rebuild` and `htsd forms drift`: the typed tables of the warehouse."""

from __future__ import annotations

import click

from etl import pipeline
from etl.commands import render
from etl.commands.common import App, emit_json, handle_errors, pass_app
from etl.commands.i18n import command, help_text, option
from forms.text import Text

REBUILD_HELP = help_text(
    """Dựng lại các bảng dữ liệu từ bản ghi gốc đã lưu.

    Xóa các bảng dữ liệu, khung nhìn (view) và mục đăng ký của từng dự án, rồi nạp lại mọi
    bản ghi đã lưu theo nội dung của đúng phiên bản biểu mẫu đã dùng để thu thập bản ghi đó.
    """,
    """Recreate the typed tables from the raw data stored.

    Drops each asset's typed tables, views and registry rows, then loads every stored
    submission again with the content of the form version it was collected with.
    """,
    "htsd rebuild --asset aBcDeFgHiJkLmNoPqRsTuV",
)

JSON_OPTION = Text("In kết quả dạng JSON.", "Print the results as JSON.")


@command("rebuild", help=REBUILD_HELP)
@option(
    "--asset",
    "asset_uid",
    metavar="FORM|UID",
    help=Text(
        "Chỉ dự án này: tên biểu mẫu hoặc mã dự án (nếu không: mọi dự án).",
        "Only this asset: a form name or an asset uid (else every asset).",
    ),
)
@option("--json", "as_json", is_flag=True, help=JSON_OPTION)
@pass_app
@handle_errors
def rebuild_command(app: App, asset_uid: str | None, as_json: bool) -> None:
    """`htsd rebuild` (help: REBUILD_HELP)."""
    engine = app.engine(must_exist=True)
    run = pipeline.rebuild(engine, app.asset_uid(asset_uid) if asset_uid else None)
    if as_json:
        emit_json(run.as_dict())
        return
    if not run.results:
        click.echo(render.NO_ASSET_YET.get(app.lang))
    for result in run.results:
        name = app.asset_label(result.asset_uid, result.server)
        click.echo(render.load_line(name, result.asset_uid, result, app.lang))


DRIFT_HELP = help_text(
    """Các thay đổi giữa hai phiên bản của một biểu mẫu.

    Liệt kê các câu hỏi được đổi tên, thêm, bỏ hoặc đổi kiểu, kèm cách kho dữ liệu xử lý:
    thêm cột mới, giữ cột cũ, hoặc câu trả lời tiếp tục ghi vào cùng cột. ASSET là tên biểu
    mẫu (vd. gia_dinh) hoặc mã dự án; các phiên bản là những phiên bản htsd sync đã lưu.
    """,
    """Changes between two versions of a form.

    Lists the questions renamed, added, removed or retyped, each with the policy the
    warehouse applies: a new column, a column kept, or answers going on in the same column.
    ASSET is a form name (e.g. gia_dinh) or an asset uid; versions are those stored by htsd
    sync.
    """,
    "htsd forms drift aBcDeFgHiJkLmNoPqRsTuV --from vAbc --to vDef",
)


@command("drift", help=DRIFT_HELP)
@click.argument("asset_uid", metavar="ASSET")
@option(
    "--from",
    "from_version",
    metavar="V1",
    help=Text(
        "Mã phiên bản cũ hơn (mặc định: phiên bản ngay trước --to).",
        "Older version uid (default: the one before --to).",
    ),
)
@option(
    "--to",
    "to_version",
    metavar="V2",
    help=Text(
        "Mã phiên bản mới hơn (mặc định: phiên bản mới nhất).",
        "Newer version uid (default: the latest).",
    ),
)
@option(
    "--json",
    "as_json",
    is_flag=True,
    help=Text("In các thay đổi dạng JSON.", "Print the changes as JSON."),
)
@pass_app
@handle_errors
def drift_command(
    app: App, asset_uid: str, from_version: str | None, to_version: str | None, as_json: bool
) -> None:
    """`htsd forms drift` (help: DRIFT_HELP)."""
    engine = app.engine(must_exist=True)
    uid = app.asset_uid(asset_uid)
    client = app.kobo() if app.settings.kobo_token else None  # offline: stored versions only
    drift = pipeline.drift(
        engine, uid, from_version, to_version, app.settings.kobo_url, client=client
    )
    if as_json:
        emit_json(drift.as_dict(app.lang))
        return
    for line in render.drift_lines(drift, app.lang):
        click.echo(line)


COMMANDS = [rebuild_command]  # drift_command is mounted under `htsd forms`
