"""`htsd forms doc`: a Markdown listing of every form for data managers.

For each form: its id, version and rubric (marked provisional where it is), every question
with its path, type, Vietnamese and English label, whether it is required, and its
conditions; the calculated fields; then every choice list in both languages (long lists of
administrative units are shortened, with the reference file named). No date is written, so
the file only changes when a form does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from forms.build import BuildResult
from forms.schema import Field, FormSchema
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


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", "<br>")


def _notes(item: Field) -> str:
    parts = []
    if item.list_name:
        parts.append(f"lựa chọn / choices: `{item.list_name}`")
    if item.relevant:
        parts.append(f"hiện khi / shown if: `{item.relevant}`")
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


def _form_section(result: BuildResult) -> list[str]:
    schema: FormSchema = result.schema
    lines = [
        f"## {schema.title}",
        "",
        f"- Mã / id: `{schema.form_id}`, phiên bản / version `{schema.version}`",
    ]
    rubric = result.rubric
    if rubric is not None:
        mark = f" {PROVISIONAL_MARK}" if rubric.provisional else ""
        lines.append(
            f"- Tiêu chí / rubric: `{rubric.id}` {rubric.version}{mark} — "
            f"forms/criteria/{rubric.id}.yaml"
        )
    lines += [
        "",
        "| Trường / field | Kiểu / type | Tiếng Việt | English | Bắt buộc / required "
        "| Ghi chú / notes |",
        "|---|---|---|---|---|---|",
    ]
    for item in schema.fields:
        if item.type == "calculate":
            continue
        hint_vi, hint_en = item.hints.get("vi"), item.hints.get("en")
        vi = item.labels.get("vi", "") + (f" _({hint_vi})_" if hint_vi else "")
        en = item.labels.get("en", "") + (f" _({hint_en})_" if hint_en else "")
        lines.append(
            f"| `{item.path}` | {item.type} | {_cell(vi)} | {_cell(en)} | "
            f"{'có / yes' if item.is_required else ''} | {_notes(item)} |"
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
