"""`htsd forms check`: every problem in the rubrics, the reference data and the forms.

Problems are collected, not raised one at a time, so a data manager sees them all: each is a
`Finding` made from a coded `FormsError`, naming the file, the item and the fix (see
forms/messages.py). Checked:
1. each rubric file (points add up, no duplicate ids, known answer types, both languages on
   every text and class label, every number marked verified or provisional, thresholds);
2. the reference files (unit counts per era, crosswalk, remote classes, villages);
3. when those are sound, the six forms built from them (both languages everywhere);
4. any XLSForm .xlsx files given (e.g. a copy a data manager edited).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from forms.build import convert
from forms.definitions import FORM_IDS
from forms.findings import Finding
from forms.messages import FormsCode, FormsError
from forms.reference import REFERENCE_DIR, Reference, check_reference
from forms.rubric import Rubric
from forms.rubric_load import (
    CRITERIA_DIR,
    RUBRIC_IDS,
    attach_variants,
    display_path,
    read_rubric,
)
from forms.text import LANGUAGES, column
from forms.xlsform import XLSFormData, read_xlsform

TRANSLATED_COLUMNS = ("label", "hint", "constraint_message", "required_message")
NO_LABEL_TYPES = {
    "calculate",
    "hidden",
    "start",
    "end",
    "today",
    "deviceid",
    "username",
    "simserial",
    "subscriberid",
    "phonenumber",
    "audit",
    "start-geopoint",
    "end_group",
    "end_repeat",
    "xml-external",
    "csv-external",
}


@dataclass
class CheckReport:
    """What was checked and every problem found."""

    checked: list[str] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, errors: Iterable[FormsError]) -> None:
        self.problems.extend(Finding.from_error(error) for error in errors)


def check_xlsform(form: XLSFormData, file: str) -> list[FormsError]:
    """Both languages on every label, hint and message, labels where needed, no duplicates."""
    found: list[FormsError] = []
    for index, row in enumerate(form.survey, start=2):
        kind = row.get("type", "").split(" ")[0].replace(" ", "_")
        where = f"{file}: survey row {index} ({row.get('name', kind)})"
        for base in TRANSLATED_COLUMNS:
            present = any(row.get(column(base, lang)) for lang in LANGUAGES)
            needed = base == "label" and kind not in NO_LABEL_TYPES
            if present or needed:
                for lang in LANGUAGES:
                    if not row.get(column(base, lang)):
                        found.append(
                            FormsError(
                                FormsCode.TRANSLATION_MISSING,
                                where,
                                {"column": base, "language": lang.code, "language_name": lang.name},
                            )
                        )
    for name, count in Counter(r.get("name") for r in form.survey if r.get("name")).items():
        if count > 1:
            found.append(
                FormsError(FormsCode.DUPLICATE_ID, f"{file}: survey", {"id": name, "kind": "field"})
            )
    seen: Counter[tuple[str, str]] = Counter()
    for index, row in enumerate(form.choices, start=2):
        key = (row.get("list_name", ""), row.get("name", ""))
        seen[key] += 1
        where = f"{file}: choices row {index} ({key[0]}/{key[1]})"
        if seen[key] == 2:
            found.append(
                FormsError(
                    FormsCode.DUPLICATE_ID, where, {"id": key[1], "kind": f"choice of {key[0]}"}
                )
            )
        for lang in LANGUAGES:
            if not row.get(column("label", lang)):
                found.append(
                    FormsError(
                        FormsCode.CHOICE_LABEL_MISSING,
                        where,
                        {"choice": f"{key[0]}/{key[1]}", "language": lang.code},
                    )
                )
    return found


def _check_rubrics(criteria_dir: Path, report: CheckReport) -> dict[str, Rubric]:
    rubrics: dict[str, Rubric] = {}
    paths = {criteria_dir / f"{rubric_id}.yaml" for rubric_id in RUBRIC_IDS}
    paths |= set(criteria_dir.glob("*.yaml"))
    for path in sorted(paths):
        report.checked.append(display_path(path))
        rubric, problems = read_rubric(path)
        report.add(problems)
        if rubric is not None and not problems:
            rubrics[path.stem] = rubric
    try:
        return attach_variants(rubrics)
    except FormsError as error:
        report.add([error])
        return rubrics


def check_all(
    criteria_dir: Path = CRITERIA_DIR,
    reference_dir: Path = REFERENCE_DIR,
    xlsforms: Sequence[Path] = (),
) -> CheckReport:
    """Check rubrics, reference data, the forms built from them and the given XLSForms."""
    report = CheckReport()
    rubrics = _check_rubrics(criteria_dir, report)
    report.checked.append(display_path(reference_dir))
    report.add(check_reference(reference_dir))
    if report.ok:
        reference = Reference.load(reference_dir)
        for form_id in FORM_IDS:
            report.checked.append(f"form {form_id}")
            try:
                result = convert(form_id, rubrics=rubrics, reference=reference)
            except FormsError as error:
                report.add([error])
                continue
            report.add(check_xlsform(result.xlsform, f"form {form_id}"))
    for path in xlsforms:
        report.checked.append(display_path(path))
        try:
            form = read_xlsform(path)
        except FormsError as error:
            report.add([error])
            continue
        report.add(check_xlsform(form, display_path(path)))
    return report
