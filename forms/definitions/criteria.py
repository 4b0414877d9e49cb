"""The rubric inside a form: item questions, derived items, points, score, pass and class.

Generated from the rubric file, so that the device computes exactly what `Rubric.score`
computes (the tests check this with Enketo's XPath engine). Field names:
- `c<item>`: the item's answer (a question, or a calculate for a derived item);
- `p<item>`: its points; `pts_<group>`: the group's points;
- `score_total`, `score_pass` (yes/no), `score_class` (class id) and their labels
  `score_pass_vi|en`, `score_class_vi|en` for the summary note;
- `rubric_id`, `rubric_version`: hidden calculates tying a submission to the rubric file.
Where the rubric is provisional the summary says "(tạm thời / provisional)".
"""

from __future__ import annotations

from forms.definitions.sheet import FormSheet, xpath_string
from forms.rubric import ANSWER_TYPES, LEVEL_LABELS, Item, Rubric
from forms.rules import xpath_number
from forms.text import PROVISIONAL_MARK, Text

PROVISIONAL_HINT = Text(
    f"Chỉ tiêu {PROVISIONAL_MARK}: chờ Hội Khuyến học tỉnh xác nhận",
    f"Item {PROVISIONAL_MARK}: awaiting confirmation by the provincial association",
)


def _ref(name: str) -> str:
    return "${" + name + "}"


def _points(value: float) -> str:
    return xpath_number(value)


def add_rubric_reference(sheet: FormSheet, rubric: Rubric) -> None:
    """Hidden calculates with the rubric id and version (not named like KPI's __version__)."""
    sheet.calculate("rubric_id", xpath_string(rubric.id))
    sheet.calculate("rubric_version", xpath_string(rubric.version))


def add_member_calculations(sheet: FormSheet, rubric: Rubric, repeat: str) -> None:
    """Inside a roster repeat: the per-member flags of the items derived from it."""
    for item in rubric.items:
        if item.derive is not None and item.derive.repeat == repeat:
            for calc in item.derive.calculations(item.field):
                if calc.in_repeat:
                    sheet.calculate(calc.name, calc.expression)


def _item_label(item: Item) -> Text:
    points = _points(item.max_points)
    return Text(
        f"{item.id}. {item.text.vi} ({points} điểm)", f"{item.id}. {item.text.en} ({points} points)"
    )


def _derived_note(item: Item) -> Text:
    assert item.derive is not None
    points = f"{_ref('p' + item.id)}/{_points(item.max_points)}"
    label = _item_label(item)
    if item.derive.rule == "all_members":
        counts = f"{_ref(item.field + '_nm')}/{_ref(item.field + '_ne')}"
        return Text(
            f"{label.vi}\nTự tính từ danh sách thành viên: {counts} người thuộc diện đạt → "
            f"{points} điểm",
            f"{label.en}\nDerived from the member roster: {counts} eligible members meet it → "
            f"{points} points",
        )
    if item.derive.rule == "threshold":
        value = _ref(item.field + "_v")
        return Text(
            f"{label.vi}\nTự tính: giá trị {value} → {points} điểm",
            f"{label.en}\nDerived: value {value} → {points} points",
        )
    return Text(
        f"{label.vi}\nTự tính từ các câu trả lời ở trên → {points} điểm",
        f"{label.en}\nDerived from the answers above → {points} points",
    )


def _points_expression(rubric: Rubric, item: Item) -> str:
    expression = "0"
    for answer in reversed(item.answers):
        points = rubric.points(item, answer)
        if points:
            expression = f"if({_ref(item.field)} = '{answer}', {_points(points)}, {expression})"
    return expression


def _add_item(sheet: FormSheet, rubric: Rubric, item: Item) -> None:
    if item.derive is None:
        sheet.select(
            f"ans_{item.answer}",
            item.field,
            _item_label(item),
            hint=PROVISIONAL_HINT if item.provisional else None,
            required=True,
        )
        sheet.calculate(f"p{item.id}", _points_expression(rubric, item))
        return
    for calc in item.derive.calculations(item.field):
        if not calc.in_repeat:
            sheet.calculate(calc.name, calc.expression)
    sheet.calculate(f"p{item.id}", _points_expression(rubric, item))
    note = _derived_note(item)
    if item.provisional:
        note = note.map(f"\n{PROVISIONAL_MARK}")
    sheet.note(f"n{item.id}", note)


def add_criteria(sheet: FormSheet, rubric: Rubric) -> None:
    """One group per criterion group, one question or derived note per item, then the score."""
    used = {item.answer for item in rubric.items}
    for answer_type, levels in ANSWER_TYPES.items():
        if levels and answer_type in used:
            sheet.choice_list(f"ans_{answer_type}", [(lvl, LEVEL_LABELS[lvl]) for lvl in levels])
    with sheet.group(
        "criteria", Text(f"Tiêu chí {rubric.title.vi}", f"{rubric.title.en} criteria")
    ):
        for index, group in enumerate(rubric.groups, start=1):
            maximum = _points(group.max_points)
            title = Text(
                f"Nhóm {index}. {group.title.vi} ({maximum} điểm)",
                f"Group {index}. {group.title.en} ({maximum} points)",
            )
            with sheet.group(group.id, title):
                for item in group.items:
                    _add_item(sheet, rubric, item)
                sheet.calculate(group.field, " + ".join(_ref(f"p{i.id}") for i in group.items))
                sheet.note(
                    f"n_{group.id}",
                    Text(
                        f"Điểm nhóm {index}: {_ref(group.field)}/{maximum}",
                        f"Group {index} points: {_ref(group.field)}/{maximum}",
                    ),
                )
    _add_score(sheet, rubric)


def _switch(field: str, cases: list[tuple[str, str]], default: str) -> str:
    expression = xpath_string(default)
    for value, result in reversed(cases):
        expression = f"if({_ref(field)} = '{value}', {xpath_string(result)}, {expression})"
    return expression


def _add_score(sheet: FormSheet, rubric: Rubric) -> None:
    sheet.calculate("score_total", " + ".join(_ref(g.field) for g in rubric.groups))
    tests = [f"{_ref('score_total')} >= {_points(rubric.pass_mark.points)}"]
    tests += [
        f"{_ref(g.field)} >= {_points(g.min_points.points)}"
        for g in rubric.groups
        if g.min_points is not None
    ]
    sheet.calculate("score_pass", f"if({' and '.join(tests)}, 'yes', 'no')")
    fail = xpath_string(rubric.fail_class.id)
    classes = fail
    for rubric_class in reversed(rubric.classes):
        classes = (
            f"if({_ref('score_total')} >= {_points(rubric_class.min_points)}, "
            f"{xpath_string(rubric_class.id)}, {classes})"
        )
    sheet.calculate("score_class", f"if({_ref('score_pass')} = 'yes', {classes}, {fail})")
    for lang in ("vi", "en"):
        passed = Text("Đạt", "Passed").get(lang)
        failed = Text("Chưa đạt", "Not passed").get(lang)
        sheet.calculate(f"score_pass_{lang}", _switch("score_pass", [("yes", passed)], failed))
        cases = [(c.id, c.label.get(lang)) for c in rubric.classes]
        sheet.calculate(
            f"score_class_{lang}", _switch("score_class", cases, rubric.fail_class.label.get(lang))
        )
    add_rubric_reference(sheet, rubric)
    score_mark = f" {PROVISIONAL_MARK}" if rubric.score_provisional else ""
    pass_mark = f" {PROVISIONAL_MARK}" if rubric.pass_provisional else ""
    total = _points(rubric.total.points)
    with sheet.group("summary", Text("Kết quả", "Result")):
        sheet.note(
            "score_summary",
            Text(
                f"Kết quả tự tính trên máy theo tiêu chí {rubric.id} phiên bản {rubric.version} "
                "(điểm chính thức do hệ thống tính lại)\n"
                f"Tổng điểm{score_mark}: {_ref('score_total')}/{total}\n"
                f"Điểm chuẩn {_points(rubric.pass_mark.points)}{pass_mark}: "
                f"{_ref('score_pass_vi')}\n"
                f"Xếp loại{pass_mark}: {_ref('score_class_vi')}",
                f"Result computed on the device with rubric {rubric.id} version {rubric.version} "
                "(the official score is recomputed by the system)\n"
                f"Total{score_mark}: {_ref('score_total')}/{total}\n"
                f"Pass mark {_points(rubric.pass_mark.points)}{pass_mark}: "
                f"{_ref('score_pass_en')}\n"
                f"Class{pass_mark}: {_ref('score_class_en')}",
            ),
        )


def roster_relevance(rubric: Rubric, repeat: str, field: str) -> str | None:
    """When a roster question is needed: the age (or other range) conditions of the items
    derived from it, joined with `or`; None when some item needs it for every member."""
    parts: list[str] = []
    for item in rubric.items:
        rule = item.derive
        if rule is None or rule.repeat != repeat:
            continue
        if field not in {c.field for c in (*rule.eligible, *rule.meets)}:
            continue
        ranges = [c.xpath() for c in rule.eligible if c.op == "between" and c.field != field]
        if not ranges:
            return None
        parts.append(" and ".join(ranges))
    unique = list(dict.fromkeys(parts))
    return " or ".join(unique) if unique else None
