"""What a surveyor reads in the Vietnamese view of every built form: Vietnamese only, and
numbers written the Vietnamese way.

Every label, hint and message of every built form in Vietnamese (questions, groups, notes,
choices) has none of the English words a rubric or a score tends to leak (provisional,
score, points, class, ...). No note shows a raw float: neither in its text nor in what the
device puts into it — each `${field}` of a Vietnamese note is evaluated by the XForm engine
on sample submissions, and a value like "0.8333333333333334" or "17.5" fails (Vietnamese
writes "83%" and "17,5"), nor "NaN" for a number not given yet.
"""

from __future__ import annotations

import re
from pathlib import Path

from forms.build import BuildResult
from forms.rules import Answers
from tests.forms.conftest import Engine
from tests.forms.samples import sample_submission, uniform_submission

ENGLISH = re.compile(
    r"\b(provisional|score|scores|points?|class|classes|rubric|item|items|passed|"
    r"not met|partly|applicable|total|result)\b",
    re.IGNORECASE,
)
# A decimal point in a number: "7.5", "0.25", "0.8333…" (a group of exactly three digits
# after a point is a thousands separator: "15.000.000").
RAW_FLOAT = re.compile(r"\b\d+\.(\d{1,2}|\d{4,})\b")
REF = re.compile(r"\$\{(\w+)\}")
# Not numbers: a rubric version ("2026.1"), a task number of the plan ("4.2").
NOT_NUMBERS = {"rubric_version", "task_code"}


def _vietnamese_texts(result: BuildResult) -> list[tuple[str, str]]:
    schema = result.schema
    texts: list[tuple[str, str]] = []
    for item in schema.fields:
        for kind, text in (
            ("label", item.labels.get("vi")),
            ("hint", item.hints.get("vi")),
            ("constraint message", item.constraint_messages.get("vi")),
            ("required message", item.required_messages.get("vi")),
        ):
            if text:
                texts.append((f"{item.path} {kind}", text))
    for group in schema.groups:
        if group.labels.get("vi"):
            texts.append((f"{group.path} label", group.labels["vi"]))
    for list_name, choices in schema.choices.items():
        for choice in choices:
            texts.append((f"choice {list_name}/{choice.name}", choice.labels.get("vi", "")))
    return texts


def test_no_english_word_in_the_vietnamese_view(built: dict[str, BuildResult]) -> None:
    found = [
        f"{result.form_id} {where}: {text!r}"
        for result in built.values()
        for where, text in _vietnamese_texts(result)
        if ENGLISH.search(REF.sub("", text))
    ]
    assert not found, "\n".join(found)


def test_no_raw_float_in_a_note(
    built: dict[str, BuildResult], built_dir: Path, xform_engine: Engine
) -> None:
    forms, notes = [], {}
    for form_id, result in built.items():
        schema = result.schema
        cases = [uniform_submission(schema, level) for level in ("fully", "partly", "not_met")]
        cases += [sample_submission(schema, seed) for seed in range(15)]
        for case in cases[:3]:
            case.setdefault(schema.by_name("eval_date").path, "2024-05-10")
        forms.append((built_dir / f"{form_id}.xml", cases))
        notes[form_id] = [f for f in schema.fields if f.type == "note"]
    found: list[str] = []
    for (path, _), results in zip(forms, xform_engine(forms), strict=True):
        form_id = path.stem
        for note in notes[form_id]:
            text = note.labels.get("vi", "")
            if RAW_FLOAT.search(REF.sub("", text)):
                found.append(f"{form_id} {note.path}: {text!r}")
        for result in results:
            values = Answers(result["values"])
            for note in notes[form_id]:
                for name in REF.findall(note.labels.get("vi", "")):
                    value = values.get(name)
                    if value in ("NaN", "Infinity", "-Infinity") or (
                        name not in NOT_NUMBERS and value and RAW_FLOAT.search(value)
                    ):
                        found.append(f"{form_id} {note.path}: ${{{name}}} = {value!r}")
    assert not found, "\n".join(sorted(set(found)))
