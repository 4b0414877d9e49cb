"""`htsd export`: a form's current answers with their labels, as a workbook or CSV files."""

from __future__ import annotations

from pathlib import Path

import click

from etl.commands import render
from etl.commands.common import App, emit_json, handle_errors, pass_app
from etl.commands.i18n import command, help_text, option
from forms.text import Text
from warehouse.export import FORMATS, export_form

HELP = help_text(
    """Xuất câu trả lời của một biểu mẫu kèm nhãn.

    Ghi các câu trả lời hiện hành (chưa xóa, theo lần sửa cuối) của FORM — tên biểu mẫu
    như gia_dinh hoặc mã dự án: bảng chính và mỗi nhóm lặp (danh sách) thành một trang tính
    riêng, hoặc một tệp CSV riêng khi có --format csv. Tiêu đề cột là nhãn câu hỏi kèm đường
    dẫn, lựa chọn hiện bằng nhãn, theo ngôn ngữ của --lang. Các cột thông tin cá nhân (gắn
    pii trong biểu mẫu) bị bỏ ra trừ khi có --with-pii; mọi lần xuất đều được ghi vào nhật ký
    chạy, kể cả with_pii. Không in ra câu trả lời nào.

    Đặt sau tên lệnh, --lang là ngôn ngữ của nhãn; ngôn ngữ hiển thị đặt trước tên lệnh
    (htsd --lang en export ...).
    """,
    """Export a form's answers with their labels.

    Writes the current answers (not deleted, as last edited) of FORM, a form name such as
    gia_dinh or an asset uid: the main table and each repeat (roster) as its own sheet, or
    as its own CSV file with --format csv. Headers are the question labels with their paths,
    choices show their labels, both in the language of --lang. Columns of personal data
    (tagged pii in the form) are left out unless --with-pii; every export is recorded in
    the run log, with_pii included. Nothing of the answers is printed.

    After the command name, --lang is the language of the labels; the language of messages
    goes before it (htsd --lang en export ...).
    """,
    "htsd export gia_dinh --lang vi --format xlsx --out gia_dinh.xlsx",
)


@command("export", help=HELP)
@click.argument("form", metavar="FORM")
@option(
    "--lang",
    "language",
    type=click.Choice(["vi", "en"]),
    help=Text(
        "Ngôn ngữ của nhãn (nếu không: ngôn ngữ hiển thị, mặc định vi).",
        "Language of the labels (else the language of messages, vi by default).",
    ),
)
@option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="xlsx",
    show_default=True,
    help=Text(
        "xlsx: một sổ tính, mỗi bảng một trang tính; csv: một thư mục, mỗi bảng một tệp.",
        "xlsx: one workbook, a sheet per table; csv: a folder, a file per table.",
    ),
)
@option(
    "--out",
    type=click.Path(path_type=Path),
    metavar="PATH",
    help=Text(
        "Nơi ghi (mặc định ./<form>-<ngày>.xlsx, hoặc thư mục ./<form>-<ngày>/).",
        "Where to write (default ./<form>-<date>.xlsx, or the folder ./<form>-<date>/).",
    ),
)
@option(
    "--with-pii",
    is_flag=True,
    help=Text(
        "Giữ các cột thông tin cá nhân (có ghi vào nhật ký chạy).",
        "Keep the personal-data columns (logged).",
    ),
)
@option(
    "--json",
    "as_json",
    is_flag=True,
    help=Text("In kết quả dạng JSON.", "Print the result as JSON."),
)
@pass_app
@handle_errors
def export_command(
    app: App,
    form: str,
    language: str | None,
    fmt: str,
    out: Path | None,
    with_pii: bool,
    as_json: bool,
) -> None:
    """`htsd export` (help: HELP)."""
    result = export_form(
        app.engine(must_exist=True),
        form,
        language=language or app.lang,
        fmt=fmt,
        out=out,
        with_pii=with_pii,
        assets=app.settings.assets,
    )
    if as_json:
        emit_json(result.as_dict())
        return
    for line in render.export_lines(result, app.lang):
        click.echo(line)


COMMANDS = [export_command]
