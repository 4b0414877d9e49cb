"""`htsd export`: a form's current answers with their labels, as a workbook or CSV files."""

from __future__ import annotations

from pathlib import Path

import click

from etl.commands import render
from etl.commands.common import App, emit_json, handle_errors, pass_app
from warehouse.export import FORMATS, export_form


@click.command("export")
@click.argument("form", metavar="FORM")
@click.option(
    "--lang",
    "language",
    type=click.Choice(["vi", "en"]),
    help="Language of the labels (else the language of messages, vi by default).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="xlsx",
    show_default=True,
    help="xlsx: one workbook, a sheet per table; csv: a folder, a file per table.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="Where to write (default ./<form>-<date>.xlsx, or the folder ./<form>-<date>/).",
)
@click.option("--with-pii", is_flag=True, help="Keep the personal-data columns (logged).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
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
    """Xuất câu trả lời kèm nhãn / Export a form's answers with their labels.

    Writes the current answers (not deleted, as last edited) of FORM, a form name such as
    gia_dinh or an asset uid: the main table and each repeat (roster) as its own sheet, or
    as its own CSV file with --format csv. Headers are the question labels with their paths,
    choices show their labels, both in the language of --lang. Columns of personal data
    (tagged pii in the form) are left out unless --with-pii; every export is recorded in
    the run log, with_pii included. Nothing of the answers is printed.

    Example: htsd export gia_dinh --lang vi --format xlsx --out gia_dinh.xlsx
    """
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
