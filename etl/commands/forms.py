"""`htsd forms build|check|doc`: build the XLSForms, check the programme's data, list the forms.

The commands parse flags, call `forms.*` and print; problems are raised as HtsdError
(FormsError) for the main command line to print as one line with exit code 1. Warnings of a
build (pyxform's) are printed here once; the library only returns them.
"""

from __future__ import annotations

from pathlib import Path

import click

from etl.commands import render
from etl.commands.common import current_lang
from forms.build import DEFAULT_OUT, build_forms, write_results
from forms.check import check_all
from forms.definitions import FORM_IDS
from forms.doc import DEFAULT_DOC, write_doc
from forms.messages import FormsCode, FormsError
from forms.reference import REFERENCE_DIR
from forms.rubric_load import CRITERIA_DIR, display_path

forms_group = click.Group(
    "forms",
    help="Biểu mẫu: xây dựng, kiểm tra, liệt kê / Forms: build, check and list them.\n\n"
    "Example: htsd forms build --out forms/xlsform",
)

_criteria = click.option(
    "--criteria",
    "criteria_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=CRITERIA_DIR,
    show_default="forms/criteria",
    help="Folder of the rubric files.",
)
_reference = click.option(
    "--reference",
    "reference_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=REFERENCE_DIR,
    show_default="forms/reference",
    help="Folder of the reference files.",
)


@forms_group.command("build")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT,
    show_default="forms/xlsform",
    help="Folder to write <form>.xlsx and <form>.xml into.",
)
@click.option(
    "--form",
    "form_ids",
    multiple=True,
    type=click.Choice(FORM_IDS),
    help="Build only this form (repeatable); default all six.",
)
@click.option(
    "--validate/--no-validate",
    default=True,
    show_default=True,
    help="Check each XForm with ODK Validate (needs Java).",
)
@_criteria
@_reference
def build_command(
    out_dir: Path,
    form_ids: tuple[str, ...],
    validate: bool,
    criteria_dir: Path,
    reference_dir: Path,
) -> None:
    """Build the XLSForms (.xlsx) and XForms (.xml) from the rubrics and reference data.

    Six forms: clc_assessment, gia_dinh, dong_ho, cong_dong, don_vi, hoat_dong. Each XForm
    passes ODK Validate before it is written; building twice gives identical files.

    Example: htsd forms build --out forms/xlsform
    """
    results = build_forms(
        form_ids or None,
        criteria_dir=criteria_dir,
        reference_dir=reference_dir,
        validate=validate,
    )
    for result in results:
        for warning in result.warnings:
            click.echo(f"{result.form_id}: {warning}", err=True)
    for path in write_results(results, out_dir):
        click.echo(display_path(path))


@forms_group.command("check")
@click.argument("xlsforms", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@_criteria
@_reference
def check_command(xlsforms: tuple[Path, ...], criteria_dir: Path, reference_dir: Path) -> None:
    """Check the rubrics, the reference data and the forms; list every problem found.

    Each problem has a code (FRM...), the file and item, and how to fix it. Extra XLSForm
    .xlsx files given as arguments are checked too (both languages, no duplicates).

    Example: htsd forms check forms/xlsform/gia_dinh.xlsx
    """
    report = check_all(criteria_dir, reference_dir, xlsforms)
    lang = current_lang()
    for problem in report.problems:
        click.echo(problem.render(lang))
    if not report.ok:
        raise FormsError(
            FormsCode.PROBLEMS_FOUND, "htsd forms check", {"count": len(report.problems)}
        )
    click.echo(render.check_ok_line(len(report.checked), lang))


@forms_group.command("doc")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_DOC,
    show_default="forms/xlsform/FORMS.md",
    help="Markdown file to write.",
)
@_criteria
@_reference
def doc_command(out_path: Path, criteria_dir: Path, reference_dir: Path) -> None:
    """Write a Markdown listing of the six forms: questions, types, choices, both languages.

    For data managers: every question's path, label in Vietnamese and English, conditions
    and choices, and the rubric each form scores with.

    Example: htsd forms doc --out forms/xlsform/FORMS.md
    """
    results = build_forms(criteria_dir=criteria_dir, reference_dir=reference_dir, validate=False)
    click.echo(display_path(write_doc(results, out_path)))
