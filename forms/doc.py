"""`htsd forms doc`: a Markdown listing of every form for data managers.

For each form: its id, version and rubrics (each with its period of validity, the levels it
covers, how not-applicable items count, its sources and editorial notes, marked provisional
where it is), every group,
repeat and question with its path, type, Vietnamese and English label, whether it is
required, and its conditions; the calculated fields; then every choice list in both
languages (long lists of administrative units are shortened, with the reference file named).
A group's "shown if" condition is listed on the group and again on every question inside it,
and a required question that is not always shown (its own condition or a group's) reads
"required when shown". No date is written, so the file only changes when a form does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from forms.build import BuildResult
from forms.rubric import Mark, Rubric
from forms.schema import Field, FormSchema, Group
from forms.text import PROVISIONAL_MARK

DEFAULT_DOC = Path(__file__).parent / "xlsform" / "FORMS.md"
LONG_LIST = 40
SHOWN_OF_LONG = 8
_LONG_LIST_SOURCES = {
    "commune_e1": "forms/reference/bac_kan_admin_units_until_2020-01-31.csv",
    "commune_e2": "forms/reference/bac_kan_admin_units_2025-03-01.csv",
    "commune_e3": "forms/reference/bac_kan_2025_old_to_new_communes.csv",
    "village": "forms/reference/villages.csv",
}
REQUIRED = "có / yes"
REQUIRED_WHEN_SHOWN = "có, khi được hiện / yes, when shown"


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", "<br>")


def _enclosing(schema: FormSchema, parent: str | None) -> list[Group]:
    """The groups and repeats around a row, outermost first."""
    chain: list[Group] = []
    while parent is not None:
        group = schema.group(parent)
        chain.insert(0, group)
        parent = group.parent
    return chain


def _inherited(schema: FormSchema, parent: str | None) -> list[str]:
    """The "shown if" conditions of the groups a row is inside."""
    return [
        f"nhóm / group `{group.path}` hiện khi / shown if: `{group.relevant}`"
        for group in _enclosing(schema, parent)
        if group.relevant
    ]


def _group_row(schema: FormSchema, group: Group) -> str:
    parts = _inherited(schema, group.parent)
    if group.relevant:
        parts.append(f"hiện khi / shown if: `{group.relevant}`")
    if group.repeat_count:
        parts.append(f"số lần lặp / repeat count: `{group.repeat_count}`")
    kind = "repeat" if group.repeat else "group"
    return (
        f"| `{group.path}` | {kind} | {_cell(group.labels.get('vi'))} | "
        f"{_cell(group.labels.get('en'))} |  | {_cell('; '.join(parts))} |"
    )


def _required(schema: FormSchema, item: Field) -> str:
    if not item.is_required:
        return ""
    conditional = item.relevant or any(g.relevant for g in _enclosing(schema, item.group))
    return REQUIRED_WHEN_SHOWN if conditional else REQUIRED


def _notes(schema: FormSchema, item: Field) -> str:
    parts = _inherited(schema, item.group)
    if item.relevant:
        parts.append(f"hiện khi / shown if: `{item.relevant}`")
    if item.list_name:
        parts.append(f"lựa chọn / choices: `{item.list_name}`")
    if item.constraint:
        parts.append(
            f"ràng buộc / constraint: `{item.constraint}` — "
            f"{item.constraint_messages.get('vi', '')} / "
            f"{item.constraint_messages.get('en', '')}"
        )
    if item.choice_filter:
        parts.append(f"lọc / filter: `{item.choice_filter}`")
    if item.default:
        parts.append(f"mặc định / default: `{item.default}`")
    if item.pii:
        parts.append(f"**dữ liệu cá nhân / personal data: {item.pii}**")
    return _cell("; ".join(parts))


def _marked(mark: Mark) -> str:
    word = "đã xác minh / verified" if mark.status == "verified" else PROVISIONAL_MARK
    return f"{word}: {mark.note}" if mark.note else word


def _rubric_lines(rubric: Rubric) -> list[str]:
    """A rubric's identity, period, scope, not-applicable rule, sources and notes."""
    mark = f" {PROVISIONAL_MARK}" if rubric.provisional else ""
    lines = [
        f"- Tiêu chí / rubric: `{rubric.id}` {rubric.version}{mark} — {rubric.title.vi} / "
        f"{rubric.title.en} — forms/criteria/{rubric.id}.yaml",
        f"  - Hiệu lực / valid: {rubric.period.vi} / {rubric.period.en} "
        f"({_marked(rubric.validity)})",
    ]
    if rubric.levels is not None:
        levels = ", ".join(str(v) for v in rubric.levels.values)
        lines.append(f"  - Phạm vi / scope: `{rubric.levels.field}` ∈ {{{levels}}}")
    rule = rubric.not_applicable
    if any("not_applicable" in item.answers for item in rubric.items):
        how = (
            "bỏ khỏi điểm tối đa, điểm chuẩn tính theo tỷ lệ / out of the maximum, pass mark scaled"
            if rule.excludes
            else "được đủ điểm / counted in full"
        )
        share = round(rule.min_applicable_share * 100)
        lines.append(
            f"  - Chỉ tiêu không áp dụng / not applicable: {how}; tối thiểu / at least "
            f"{share}% áp dụng / applicable ({_marked(rule.mark)})"
        )
    for source in rubric.sources:
        lines.append(f"  - Nguồn / source: {source}")
    notes = [*rubric.notes, *(f"{i.id}: {n}" for i in rubric.items for n in i.notes)]
    for note in notes:
        lines.append(f"  - Ghi chú biên tập / editorial note: {note}")
    return lines


def _form_section(result: BuildResult) -> list[str]:
    schema: FormSchema = result.schema
    lines = [
        f"## {schema.title}",
        "",
        f"- Mã / id: `{schema.form_id}`, phiên bản / version `{schema.version}`",
    ]
    if result.rubric is not None:
        for rubric in (result.rubric, *result.rubric.variants):
            lines += _rubric_lines(rubric)
    lines += [
        "",
        "| Trường / field | Kiểu / type | Tiếng Việt | English | Bắt buộc / required "
        "| Ghi chú / notes |",
        "|---|---|---|---|---|---|",
    ]
    listed: set[str] = set()
    for item in schema.fields:
        if item.type == "calculate":
            continue
        for group in _enclosing(schema, item.group):
            if group.path not in listed:
                listed.add(group.path)
                lines.append(_group_row(schema, group))
        hint_vi, hint_en = item.hints.get("vi"), item.hints.get("en")
        vi = item.labels.get("vi", "") + (f" _({hint_vi})_" if hint_vi else "")
        en = item.labels.get("en", "") + (f" _({hint_en})_" if hint_en else "")
        lines.append(
            f"| `{item.path}` | {item.type} | {_cell(vi)} | {_cell(en)} | "
            f"{_required(schema, item)} | {_notes(schema, item)} |"
        )
    lines += [
        "",
        "Trường tính toán / calculated fields:",
        "",
        "| Trường / field | Biểu thức / expression |",
        "|---|---|",
    ]
    for item in schema.fields:
        if item.type == "calculate":
            lines.append(f"| `{item.path}` | `{_cell(item.calculation)}` |")
    lines += ["", "### Lựa chọn / choices", ""]
    used = [f.list_name for f in schema.fields if f.list_name]
    for list_name in dict.fromkeys(used):
        choices = schema.choices.get(list_name, ())
        lines += [
            f"`{list_name}` ({len(choices)})",
            "",
            "| Giá trị / value | Tiếng Việt | English |",
            "|---|---|---|",
        ]
        shown = choices if len(choices) <= LONG_LIST else choices[:SHOWN_OF_LONG]
        for choice in shown:
            lines.append(
                f"| `{choice.name}` | {_cell(choice.labels.get('vi'))} | "
                f"{_cell(choice.labels.get('en'))} |"
            )
        if len(shown) < len(choices):
            source = _LONG_LIST_SOURCES.get(list_name, "forms/reference/")
            lines.append(
                f"| … | … {len(choices) - len(shown)} lựa chọn nữa, xem {source} | "
                f"… {len(choices) - len(shown)} more, see {source} |"
            )
        lines.append("")
    return lines


def render_markdown(results: Sequence[BuildResult]) -> str:
    """The listing of the given built forms as one Markdown document."""
    lines = [
        "# Biểu mẫu htsd / htsd forms",
        "",
        "Tạo bởi `htsd forms doc` từ forms/criteria và forms/reference — không sửa tay. "
        "/ Written by `htsd forms doc` from forms/criteria and forms/reference — do not edit.",
        "",
        f"Các mục ghi {PROVISIONAL_MARK} chờ Hội Khuyến học tỉnh xác nhận. / Items marked "
        f"{PROVISIONAL_MARK} await confirmation by the provincial association.",
        "",
        f"Bắt buộc «{REQUIRED_WHEN_SHOWN}»: chỉ bắt buộc khi câu hỏi được hiện (theo điều kiện "
        "của chính nó hoặc của nhóm chứa nó). / Required "
        f"«{REQUIRED_WHEN_SHOWN}»: required only when the question is shown (by its own "
        "condition or that of a group it is in).",
        "",
    ]
    for result in results:
        lines += [f"- [{result.schema.title}](#{result.form_id}) — `{result.form_id}`"]
    lines.append("")
    for result in results:
        lines += [f'<a id="{result.form_id}"></a>', "", *_form_section(result), ""]
    return "\n".join(lines).rstrip() + "\n"


def write_doc(results: Sequence[BuildResult], path: Path = DEFAULT_DOC) -> Path:
    """Write the Markdown listing; returns its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_markdown(results), encoding="utf-8")
    return path
