"""`htsd import`: submissions from exported or saved files into the raw landing."""

from __future__ import annotations

from pathlib import Path

import click

from etl import pipeline
from etl.commands import render
from etl.commands.common import App, emit_json, handle_errors, pass_app
from etl.commands.i18n import command, help_text, option
from forms.text import Text

HELP = help_text(
    """Nhập tệp JSON xuất từ KoboToolbox hoặc các trang dữ liệu API đã lưu (ví dụ từ USB).

    Bản ghi được lưu đúng như khi htsd sync lưu, nên lần tải từ máy chủ sau đó không tạo
    bản trùng. Mọi tệp được kiểm tra trước khi ghi: tệp của dự án khác với --asset, hoặc
    các trang đã lưu thiếu trang tiếp theo (trừ khi có --partial), thì không thay đổi gì.
    Các bảng dữ liệu được nạp khi nội dung biểu mẫu đã có trong kho (sau một lần htsd sync
    dự án đó).
    """,
    """Import a KoboToolbox JSON export or saved API data pages (e.g. from a USB stick).

    Submissions land exactly as `sync` lands them, so a later sync from the server adds no
    duplicates. Every file is checked before anything is written: a file of another asset
    than --asset, or saved pages missing their next pages (unless --partial), change
    nothing. The typed tables are loaded when the form's content is stored (after one htsd
    sync of the asset).
    """,
    "htsd import usb/gia_dinh-page1.json usb/gia_dinh-page2.json",
)


@command("import", help=HELP)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@option(
    "--asset",
    "asset_uid",
    metavar="UID",
    help=Text("Mã dự án (asset uid), khi dữ liệu không ghi sẵn.", "Asset uid, if not in the data."),
)
@option(
    "--server",
    metavar="URL",
    help=Text(
        "Máy chủ nguồn của dữ liệu (nếu không: KOBOTOOLBOX_URL).",
        "Server the data came from (else KOBOTOOLBOX_URL).",
    ),
)
@option(
    "--partial",
    is_flag=True,
    help=Text(
        "Vẫn lưu các trang đã lưu dù thiếu trang tiếp theo.",
        "Land saved pages even when their next pages are missing.",
    ),
)
@option(
    "--json",
    "as_json",
    is_flag=True,
    help=Text("In kết quả dạng JSON.", "Print the result as JSON."),
)
@option(
    "--form",
    "form_file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help=Text(
        "Biểu mẫu của dữ liệu (tệp XLSForm .xlsx hoặc JSON của dự án) để tạo bảng dữ liệu khi"
        " không có mạng; lần đồng bộ sau dùng các phiên bản trên máy chủ.",
        "The data's form (its XLSForm .xlsx or the asset JSON), to make the typed tables"
        " offline; the next sync uses the server's versions.",
    ),
)
@pass_app
@handle_errors
def import_command(
    app: App,
    files: tuple[Path, ...],
    asset_uid: str | None,
    server: str | None,
    partial: bool,
    as_json: bool,
    form_file: Path | None,
) -> None:
    """`htsd import` (help: HELP)."""
    form = pipeline.read_form(form_file) if form_file else None  # before any warehouse
    run = pipeline.import_files(
        app.engine(),
        server or app.settings.kobo_url,
        list(files),
        asset_uid.strip() if asset_uid else None,
        app.form_names,
        partial=partial,
        form=form,
    )
    if as_json:
        emit_json(run.as_dict())
        return
    for line in render.import_lines(run.files, app.lang):
        click.echo(line)
    for uid, load in run.loads.items():
        name = app.asset_label(uid, run.server)
        click.echo(render.load_line(name, uid, load, app.lang))


COMMANDS = [import_command]
