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
from etl.commands.i18n import HtsdGroup, help_text, option
from forms.definitions import FORM_IDS
from forms.messages import FormsCode, FormsError
from forms.reference import REFERENCE_DIR
from forms.rubric_load import CRITERIA_DIR, display_path
from forms.text import Text

forms_group = HtsdGroup(
    "forms",
    help=help_text(
        "Biểu mẫu: dựng, kiểm tra, liệt kê, triển khai.",
        "Forms: build, check, list and deploy them.",
        "htsd forms build --out forms/xlsform",
    ),
)

_criteria = option(
    "--criteria",
    "--criteria-dir",
    "criteria_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=CRITERIA_DIR,
    show_default="forms/criteria",
    help=Text("Thư mục các tệp tiêu chí.", "Folder of the rubric files."),
)
_reference = option(
    "--reference",
    "reference_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=REFERENCE_DIR,
    show_default="forms/reference",
    help=Text("Thư mục các tệp dữ liệu tham chiếu.", "Folder of the reference files."),
)

BUILD_HELP = help_text(
    """Dựng các XLSForm (.xlsx) và XForm (.xml) từ bộ tiêu chí và dữ liệu tham chiếu.

    Sáu biểu mẫu: clc_assessment, gia_dinh, dong_ho, cong_dong, don_vi, hoat_dong. Mỗi
    XForm phải qua ODK Validate trước khi được ghi; dựng hai lần cho ra các tệp giống hệt.
    """,
    """Build the XLSForms (.xlsx) and XForms (.xml) from the rubrics and reference data.

    Six forms: clc_assessment, gia_dinh, dong_ho, cong_dong, don_vi, hoat_dong. Each XForm
    passes ODK Validate before it is written; building twice gives identical files.
    """,
    "htsd forms build --out forms/xlsform",
)


@forms_group.command("build", help=BUILD_HELP)
@option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=".",
    help=Text(
        "Thư mục ghi <form>.xlsx và <form>.xml.", "Folder to write <form>.xlsx and <form>.xml into."
    ),
)
@option(
    "--form",
    "form_ids",
    multiple=True,
    type=click.Choice(FORM_IDS),
    help=Text(
        "Chỉ dựng biểu mẫu này (lặp lại được); mặc định cả sáu.",
        "Build only this form (repeatable); default all six.",
    ),
)
@option(
    "--validate/--no-validate",
    default=True,
    show_default="--validate",
    help=Text(
        "Kiểm tra từng XForm bằng ODK Validate (cần Java).",
        "Check each XForm with ODK Validate (needs Java).",
    ),
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
    """`htsd forms build` (help: BUILD_HELP)."""
    from forms.build import build_forms, write_results  # pyxform: only where it is used

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


CHECK_HELP = help_text(
    """Kiểm tra bộ tiêu chí, dữ liệu tham chiếu và các biểu mẫu; liệt kê mọi lỗi tìm thấy.

    Mỗi lỗi có mã (FRM...), tệp và mục, cùng cách sửa. Các tệp XLSForm .xlsx đưa thêm làm
    tham số cũng được kiểm tra (đủ hai ngôn ngữ, không trùng lặp).
    """,
    """Check the rubrics, the reference data and the forms; list every problem found.

    Each problem has a code (FRM...), the file and item, and how to fix it. Extra XLSForm
    .xlsx files given as arguments are checked too (both languages, no duplicates).
    """,
    "htsd forms check forms/xlsform/gia_dinh.xlsx",
)


@forms_group.command("check", help=CHECK_HELP)
@click.argument("xlsforms", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@_criteria
@_reference
def check_command(xlsforms: tuple[Path, ...], criteria_dir: Path, reference_dir: Path) -> None:
    """`htsd forms check` (help: CHECK_HELP)."""
    from forms.check import check_all

    report = check_all(criteria_dir, reference_dir, xlsforms)
    lang = current_lang()
    for problem in report.problems:
        click.echo(problem.render(lang))
    if not report.ok:
        raise FormsError(
            FormsCode.PROBLEMS_FOUND, "htsd forms check", {"count": len(report.problems)}
        )
    click.echo(render.check_ok_line(len(report.checked), lang))


DOC_HELP = help_text(
    """Ghi bản mô tả sáu biểu mẫu dạng Markdown: câu hỏi, kiểu, lựa chọn, cả hai ngôn ngữ.

    Dành cho cán bộ quản lý dữ liệu: đường dẫn của từng câu hỏi, nhãn tiếng Việt và tiếng
    Anh, điều kiện hiện và các lựa chọn, cùng bộ tiêu chí mà mỗi biểu mẫu dùng để chấm điểm.
    """,
    """Write a Markdown listing of the six forms: questions, types, choices, both languages.

    For data managers: every question's path, label in Vietnamese and English, conditions
    and choices, and the rubric each form scores with.
    """,
    "htsd forms doc --out forms/xlsform/FORMS.md",
)


@forms_group.command("doc", help=DOC_HELP)
@option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("FORMS.md"),
    show_default="FORMS.md",
    help=Text("Tệp Markdown cần ghi.", "Markdown file to write."),
)
@_criteria
@_reference
def doc_command(out_path: Path, criteria_dir: Path, reference_dir: Path) -> None:
    """`htsd forms doc` (help: DOC_HELP)."""
    from forms.build import build_forms
    from forms.doc import write_doc

    results = build_forms(criteria_dir=criteria_dir, reference_dir=reference_dir, validate=False)
    click.echo(display_path(write_doc(results, out_path)))
