"""Writes the committee's report for one year into a folder: `bao-cao-<year>.html`, `.pdf`
and `.xlsx` (English: `report-<year>.*`). Each file is written beside its final name and
renamed into place, so a run killed halfway leaves the previous file or none, never half of
one; a folder that cannot be written is ReportError RPT002, naming the path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .data import ReportData
from .html import render_html
from .messages import ReportCode, ReportError
from .pdf import write_pdf
from .wording import file_stem
from .xlsx import write_xlsx

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@dataclass(frozen=True)
class ReportFiles:
    """The files one report run wrote."""

    html: Path
    pdf: Path | None  # None when the PDF was not asked for
    xlsx: Path


def write_report(
    data: ReportData,
    out_dir: Path,
    lang: str = "vi",
    pdf: bool = True,
    browser: Browser | None = None,
) -> ReportFiles:
    """Write the report of `data` in `lang` into `out_dir` (created when missing). `browser`:
    an open Playwright browser to print the PDF with (else Chromium is started)."""
    stem = file_stem(data.year, lang)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _unwritable(out_dir, error) from error
    files = ReportFiles(
        out_dir / f"{stem}.html", out_dir / f"{stem}.pdf" if pdf else None, out_dir / f"{stem}.xlsx"
    )
    page = render_html(data, lang)
    with _replacing(files.html) as partial:
        partial.write_text(page, encoding="utf-8", newline="\n")
    with _replacing(files.xlsx) as partial:
        write_xlsx(data, partial, lang)
    if files.pdf is not None:
        with _replacing(files.pdf) as partial:
            write_pdf(files.html, partial, browser)
    return files


@contextmanager
def _replacing(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`, renamed to it once written; removed on failure."""
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        yield partial
        os.replace(partial, target)
    except OSError as error:
        raise _unwritable(target, error) from error
    finally:
        partial.unlink(missing_ok=True)


def _unwritable(path: Path, error: OSError) -> ReportError:
    return ReportError(
        ReportCode.OUTPUT_UNWRITABLE,
        str(path),
        {"path": str(path), "detail": error.strerror or type(error).__name__},
    )
