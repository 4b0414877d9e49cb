"""`htsd reference import|template`: the registry of denominators, to and from Excel.

`import` reads and checks the file first (forms.registry), prints one line per bad cell on
stderr, then stores it through the pipeline (which refuses a file with problems, REG000, so
nothing is written); `template` writes a workbook for the data manager to fill.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from etl import pipeline
from etl.commands import render
from etl.commands.common import App, emit_json, handle_errors, pass_app
from etl.commands.i18n import group, help_text, option
from forms.reference import Reference
from forms.registry import (
    FIRST_YEAR,
    LAST_YEAR,
    MEASURES,
    VILLAGE_LABELS,
    RegistryCode,
    RegistryError,
    read_registry,
    template_year_units,
    write_template,
)
from forms.rubric_load import display_path
from forms.text import Text
from warehouse.registry import RegistryImport


@group(
    "reference",
    help=help_text(
        "Sổ số liệu nền (mẫu số của tỷ lệ từng danh hiệu): nhập từ Excel, ghi tệp mẫu.",
        "The registry of denominators (what each title's rate is a share of): import it"
        " from Excel, write a template.",
        "htsd reference template --year 2024",
    ),
)
def reference_group() -> None:
    """`htsd reference` (its subcommands below)."""


JSON_FORM = """
    \b
    {"file": "...", "run_id": N, "rows": N, "communes": N, "years": [YYYY, ...],
     "measures": {"families": N, ...}, "counts": N, "villages": N,
     "changes": {"counts": {"new": N, "changed": N, "unchanged": N},
                 "villages": {"new": N, "changed": N, "unchanged": N}}}
"""

IMPORT_HELP = help_text(
    f"""Nhập sổ số liệu nền từ tệp Excel (.xlsx) hoặc CSV: số liệu của từng xã, từng năm.

    Mỗi dòng một xã trong một năm: cột year, commune_code (mã GSO của đơn vị có hiệu lực
    trong năm đó), commune_name (chỉ để đọc), rồi các số liệu families, clans, villages,
    units, cadres; ô trống là chưa có số liệu (không nhập, không phải số 0). Danh sách thôn,
    bản, tổ dân phố ở trang villages của tệp .xlsx, hoặc ở một tệp CSV riêng. Tiêu đề cột
    ghi bằng tiếng Việt hoặc tiếng Anh, như tệp mẫu (htsd reference template). Mỗi ô sai
    được báo một dòng: tệp, dòng, cột và cách sửa; tệp có lỗi thì không nhập gì (mã thoát
    1). Lần nhập sau thay cho lần trước của cùng xã, năm và số liệu; nhập lại cùng tệp không
    làm thay đổi gì. Dạng JSON (--json):
    {JSON_FORM}""",
    f"""Import the registry of denominators from an Excel (.xlsx) or CSV file: each
    commune's counts, year by year.

    One row per commune and year: columns year, commune_code (the GSO code of a unit in
    force that year), commune_name (only for reading), then the counts families, clans,
    villages, units, cadres; a blank count is not given (not imported, not zero). The
    villages are in the sheet named villages of an .xlsx file, or in a CSV file of their
    own. Headers may be Vietnamese or English, as the template writes them (htsd reference
    template). Each bad cell is one line: file, row, column and the fix; a file with any
    error imports nothing (exit code 1). A later import replaces the earlier one of the
    same commune, year and measure; importing the same file again changes nothing. JSON
    form (--json):
    {JSON_FORM}""",
    "htsd reference import so_lieu_2024.xlsx",
)


def _years(years: list[int]) -> str:
    if len(years) > 2 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


def import_lines(result: RegistryImport, lang: str) -> list[str]:
    """What an import stored, in the run's language."""
    if not result.counts and not result.villages:
        return [
            Text(
                f"{result.file}: không có số liệu nào để nhập (mọi ô số liệu đều trống)",
                f"{result.file}: nothing to import (every count is blank)",
            ).get(lang)
        ]
    lines = [
        Text(
            f"Đã nhập {result.file} (lần chạy #{result.run_id}): {result.rows} dòng số liệu,"
            f" {result.communes} xã, năm {_years(result.years) or '—'}",
            f"Imported {result.file} (run #{result.run_id}): {result.rows} rows of counts,"
            f" {result.communes} communes, year(s) {_years(result.years) or '—'}",
        ).get(lang)
    ]
    for measure, count in result.measures.items():
        label = MEASURES[measure].get(lang)
        lines.append(f"  {label} ({measure}): {count}")
    if result.villages:
        lines.append(
            Text(
                f"  thôn, bản, tổ dân phố: {result.villages}", f"  villages: {result.villages}"
            ).get(lang)
        )
    lines.append(
        Text(
            f"Trong kho: {result.counts_new} số liệu mới, {result.counts_changed} thay đổi,"
            f" {result.counts_unchanged} giữ nguyên; {result.villages_new} thôn mới,"
            f" {result.villages_changed} thay đổi, {result.villages_unchanged} giữ nguyên",
            f"In the warehouse: {result.counts_new} new counts, {result.counts_changed}"
            f" changed, {result.counts_unchanged} unchanged; {result.villages_new} new"
            f" villages, {result.villages_changed} changed, {result.villages_unchanged}"
            " unchanged",
        ).get(lang)
    )
    return lines


@reference_group.command("import", help=IMPORT_HELP)
@click.argument("file", type=click.Path(path_type=Path))
@option(
    "--json",
    "as_json",
    is_flag=True,
    help=Text("In kết quả dạng JSON thay cho văn bản.", "Print JSON instead of text."),
)
@pass_app
@handle_errors
def import_command(app: App, file: Path, as_json: bool) -> None:
    """`htsd reference import` (help: IMPORT_HELP)."""
    registry = read_registry(file)  # before any warehouse: an unreadable file is one line
    for problem in registry.problems:
        click.echo(render.error_line(problem, app.lang), err=True)
    result = pipeline.import_registry(app.engine(), registry)
    if as_json:
        emit_json(result.as_dict())
        return
    for line in import_lines(result, app.lang):
        click.echo(line)


TEMPLATE_HELP = help_text(
    f"""Ghi tệp mẫu của sổ số liệu nền để cán bộ quản lý dữ liệu điền rồi nhập lại.

    Tệp .xlsx (hoặc .csv theo đuôi tệp của --out) có sẵn các xã, phường, thị trấn của năm
    (mã GSO và tên, theo đơn vị hành chính ngày 31/12 của năm đó), các ô số liệu để trống;
    tệp .xlsx có thêm trang villages ({", ".join(VILLAGE_LABELS)}) và trang hướng dẫn. Tiêu
    đề cột theo ngôn ngữ hiển thị (mặc định tiếng Việt, --lang en: tiếng Anh). Không ghi đè
    tệp đã có, trừ khi có --force.
    """,
    f"""Write a template of the registry for the data manager to fill in and import.

    The .xlsx file (or .csv by the ending of --out) lists the communes, wards and townships
    of the year (GSO code and name, as the units stood on 31 December of it), with the
    counts blank; an .xlsx file also has the sheet villages ({", ".join(VILLAGE_LABELS)})
    and a sheet of instructions. Headers are in the language of the run (Vietnamese by
    default, --lang en for English). An existing file is not overwritten unless --force.
    """,
    "htsd reference template --year 2024 --out so_lieu_2024.xlsx",
)


@reference_group.command("template", help=TEMPLATE_HELP)
@option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PATH",
    help=Text(
        "Tệp cần ghi, .xlsx hoặc .csv (mặc định: registry_<năm>.xlsx).",
        "File to write, .xlsx or .csv (default: registry_<year>.xlsx).",
    ),
)
@option(
    "--year",
    type=click.IntRange(FIRST_YEAR, LAST_YEAR),
    metavar="YYYY",
    help=Text(
        f"Năm của số liệu, {FIRST_YEAR}–{LAST_YEAR} (mặc định: năm nay).",
        f"Year of the counts, {FIRST_YEAR}–{LAST_YEAR} (default: this year).",
    ),
)
@option(
    "--force",
    is_flag=True,
    help=Text("Ghi đè tệp đã có.", "Overwrite an existing file."),
)
@pass_app
@handle_errors
def template_command(app: App, out_path: Path | None, year: int | None, force: bool) -> None:
    """`htsd reference template` (help: TEMPLATE_HELP)."""
    year = year or min(max(date.today().year, FIRST_YEAR), LAST_YEAR)
    path = out_path or Path(f"registry_{year}.xlsx")
    if path.exists() and not force:
        raise RegistryError(
            RegistryCode.TEMPLATE_EXISTS, display_path(path), {"path": display_path(path)}
        )
    reference = Reference.load()
    write_template(path, year, app.lang, reference)
    units = len(template_year_units(reference, year))
    click.echo(
        Text(
            f"Đã ghi tệp mẫu năm {year} ({units} xã, phường, thị trấn): {display_path(path)}",
            f"Template of {year} written ({units} communes, wards and townships):"
            f" {display_path(path)}",
        ).get(app.lang)
    )


COMMANDS = [reference_group]
