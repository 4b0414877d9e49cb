"""The form builder: rubrics + reference data → six XLSForms (.xlsx) and their XForms (.xml).

`convert(form_id, ...)` does no file IO: it returns a `BuildResult` with the XLSForm rows,
the .xlsx bytes, the XForm XML and pyxform's warnings. The XForm is converted from the .xlsx
bytes themselves, so the two always agree, and with `validate=True` ODK Validate (bundled with
pyxform, needs Java) checks it. `write_results` is the thin wrapper that writes the files.
Building twice gives byte-identical XML (and .xlsx).
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pyxform.errors import PyXFormError
from pyxform.validators.odk_validate import ODKValidateError
from pyxform.xls2xform import convert as pyxform_convert

from forms.definitions import FORM_IDS, FORMS
from forms.messages import FormsCode, FormsError
from forms.reference import REFERENCE_DIR, Reference
from forms.rubric import Rubric
from forms.rubric_load import CRITERIA_DIR, load_rubrics
from forms.schema import FormSchema
from forms.xlsform import XLSFormData, write_xlsx

log = logging.getLogger(__name__)

DEFAULT_OUT = Path(__file__).parent / "xlsform"


@dataclass(frozen=True)
class BuildResult:
    """One built form: rows, .xlsx bytes, XForm XML, warnings, and the rubric it scores with."""

    form_id: str
    xlsform: XLSFormData
    xlsx: bytes
    xform: str
    warnings: tuple[str, ...]
    rubric: Rubric | None

    @cached_property
    def schema(self) -> FormSchema:
        return FormSchema.from_rows(self.xlsform)


def _check_rubric_fields(form_id: str, rubric: Rubric, xlsform: XLSFormData) -> None:
    names = {row.get("name", "") for row in xlsform.survey}
    for item in rubric.items:
        needed = {item.field} | (item.derive.fields() if item.derive else set())
        for name in sorted(needed - names):
            raise FormsError(
                FormsCode.UNKNOWN_FIELD,
                f"{rubric.path or rubric.id}: item {item.id} (form {form_id})",
                {"field": name},
            )
    for each in (rubric, *rubric.variants):
        needed = {"eval_date"} | ({each.levels.field} if each.levels else set())
        for name in sorted(needed - names):
            raise FormsError(
                FormsCode.UNKNOWN_FIELD,
                f"{each.path or each.id}: {'levels' if name != 'eval_date' else 'valid_from'}"
                f" (form {form_id})",
                {"field": name},
            )


def compile_xlsform(
    form_id: str, xlsform: XLSFormData, *, validate: bool = False
) -> tuple[bytes, str, tuple[str, ...]]:
    """XLSForm rows → (.xlsx bytes, XForm XML, warnings), the XML converted from the bytes.

    FormsError FRM031 when pyxform refuses the form, FRM032 when ODK Validate does (or
    cannot run: it needs Java).
    """
    xlsx = write_xlsx(xlsform)
    warnings: list[str] = []
    try:
        result = pyxform_convert(
            xlsx, warnings=warnings, validate=validate, pretty_print=True, file_type=".xlsx"
        )
    except (ODKValidateError, OSError) as exc:
        raise FormsError(
            FormsCode.ODK_VALIDATE_FAILED, f"form {form_id}", {"detail": str(exc).strip()}
        ) from exc
    except PyXFormError as exc:
        raise FormsError(
            FormsCode.PYXFORM_FAILED, f"form {form_id}", {"detail": str(exc).strip()}
        ) from exc
    for warning in warnings:
        log.debug("%s: %s", form_id, warning)  # returned; the caller shows them
    return xlsx, result.xform, tuple(warnings)


def require_forms(form_ids: Iterable[str]) -> None:
    """FRM030 for the first name that is not one of the six forms, the closest one first in
    the list of names to use (`gia_dinhh` → `gia_dinh, ...`)."""
    for form_id in form_ids:
        if form_id not in FORMS:
            close = difflib.get_close_matches(form_id, FORM_IDS, n=1)
            allowed = ", ".join(sorted(FORM_IDS, key=lambda f: f not in close))
            raise FormsError(FormsCode.UNKNOWN_FORM, form_id, {"form": form_id, "allowed": allowed})


def convert(
    form_id: str,
    *,
    rubrics: Mapping[str, Rubric] | None = None,
    reference: Reference | None = None,
    validate: bool = False,
) -> BuildResult:
    """Build one form (no file IO). Raises FormsError: FRM030 unknown form, FRM031 pyxform,
    FRM032 ODK Validate, FRM033 a rubric field the form lacks, or a rubric problem."""
    require_forms([form_id])
    spec = FORMS[form_id]
    rubric = None
    if spec.rubric_id is not None:
        rubric = (rubrics if rubrics is not None else load_rubrics())[spec.rubric_id]
    reference = reference or Reference.load()
    xlsform = spec.define(rubric, reference)
    if rubric is not None:
        _check_rubric_fields(form_id, rubric, xlsform)
    xlsx, xform, warnings = compile_xlsform(form_id, xlsform, validate=validate)
    return BuildResult(form_id, xlsform, xlsx, xform, warnings, rubric)


def build_forms(
    form_ids: Iterable[str] | None = None,
    *,
    criteria_dir: Path = CRITERIA_DIR,
    reference_dir: Path = REFERENCE_DIR,
    validate: bool = True,
) -> list[BuildResult]:
    """Build the given forms (default all six) from the rubric and reference directories."""
    rubrics = load_rubrics(criteria_dir)
    reference = Reference.load(reference_dir)
    return [
        convert(form_id, rubrics=rubrics, reference=reference, validate=validate)
        for form_id in (form_ids or FORM_IDS)
    ]


def write_results(results: Iterable[BuildResult], out_dir: Path = DEFAULT_OUT) -> list[Path]:
    """Write `<form>.xlsx` and `<form>.xml` for each result; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for result in results:
        xlsx_path = out_dir / f"{result.form_id}.xlsx"
        xml_path = out_dir / f"{result.form_id}.xml"
        xlsx_path.write_bytes(result.xlsx)
        xml_path.write_text(result.xform, encoding="utf-8")
        written += [xlsx_path, xml_path]
    return written
