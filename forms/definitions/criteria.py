"""The rubric inside a form: item questions, derived items, points, score, pass and class.

Generated from the rubric file, so that the device computes exactly what `Rubric.score`
computes (the tests check this with Enketo's XPath engine). Field names:
- `c<item>`: the item's answer (a question, or a calculate for a derived item);
- `p<item>`: its points; `a<item>`: its part of the applicable maximum (0 when the rubric
  takes a not-applicable item out of the maximum); `pts_<group>`, `amax_<group>`: the group's;
- `score_total` over `score_max` (the applicable maximum), `score_pct`, `score_assessable`,
  `score_pass` (yes/no), `score_class` (class id) and their labels for the summary notes;
- `rubric_id`, `rubric_version`: the rubric that applies on the evaluation date (and level),
  empty when none does: then the criteria are not asked and the summary says why.
The Vietnamese view says "(tạm thời)" once, in the summary, where the rubric is provisional;
editorial notes of the rubric file never reach a label or hint.
"""

from __future__ import annotations

from forms.definitions.sheet import FormSheet, xpath_string
from forms.rubric import ANSWER_TYPES, LEVEL_LABELS, Item, Rubric
from forms.rules import xpath_number
from forms.text import PROVISIONAL_VI, Text

# Answers of a `met` item are a yes/no condition; graded items keep the levels.
MET_LABELS = {
    "fully": Text("Có (đạt)", "Yes (met)"),
    "not_met": Text("Không (chưa đạt)", "No (not met)"),
}
PROVISIONAL_LINE = Text(
    f"{PROVISIONAL_VI}: cách chấm, điểm chuẩn hoặc xếp loại chưa được Hội Khuyến học tỉnh "
    "xác nhận; kết quả có thể thay đổi.",
    "(provisional): the scoring, pass mark or classes await confirmation by the provincial "
    "association; the result may change.",
)


def _ref(name: str) -> str:
    return "${" + name + "}"


def _points(value: float) -> str:
    return xpath_number(value)


def applies_xpath(rubric: Rubric) -> str:
    """When the rubric applies: the evaluation date within its period, the level in scope."""
    parts = []
    if rubric.valid_from is not None:
        parts.append(f"${{eval_date}} >= date('{rubric.valid_from.isoformat()}')")
    if rubric.valid_to is not None:
        parts.append(f"${{eval_date}} <= date('{rubric.valid_to.isoformat()}')")
    if rubric.levels is not None:
        parts.append(rubric.levels.xpath())
    return " and ".join(parts) if parts else "true()"


def _choose(rubrics: tuple[Rubric, ...], value: str, default: str = "") -> str:
    expression = xpath_string(default)
    for rubric in reversed(rubrics):
        expression = f"if({applies_xpath(rubric)}, {xpath_string(value.format(r=rubric))}, " + (
            f"{expression})"
        )
    return expression


def add_rubric_reference(sheet: FormSheet, rubric: Rubric) -> None:
    """Hidden calculates with the id and version of the rubric that applies (not named like
    KPI's __version__); both empty when none applies on the evaluation date."""
    rubrics = (rubric, *rubric.variants)
    sheet.calculate("rubric_id", _choose(rubrics, "{r.id}"))
    sheet.calculate("rubric_version", _choose(rubrics, "{r.version}"))


def add_member_calculations(sheet: FormSheet, rubric: Rubric, repeat: str) -> None:
    """Inside a roster repeat: the per-member flags of the items derived from it."""
    for item in rubric.items:
        if item.derive is not None and item.derive.repeat == repeat:
            for calc in item.derive.calculations(item.field):
                if calc.in_repeat:
                    sheet.calculate(calc.name, calc.expression)


def item_text(item: Item, year: str = "${eval_year}") -> Text:
    """The item's text with `{year}` standing for the evaluation year (on the device, the
    answer to `eval_year`)."""
    return Text(item.text.vi.replace("{year}", year), item.text.en.replace("{year}", year))


def _item_label(item: Item) -> Text:
    points = _points(item.max_points)
    text = item_text(item)
    return Text(f"{item.id}. {text.vi} ({points} điểm)", f"{item.id}. {text.en} ({points} points)")


def vi_decimal(expression: str) -> str:
    """A number as Vietnamese writes it: decimal comma (17,5)."""
    return f"translate(string({expression}), '.', ',')"


def grouped(expression: str, separator: str, blank: str) -> str:
    """A whole number ≥ 0 with thousands separators (15.000.000 / 15,000,000), in XPath;
    `blank` when it is not a number yet (the question is not answered)."""
    n = f"int({expression})"

    def part(divisor: int) -> str:
        inner = f"int({n} div {divisor})" if divisor > 1 else n
        return f"substring(string(1000 + ({inner} mod 1000)), 2)"

    sep = xpath_string(separator)
    return (
        f"if({n} >= 1000000000, concat(int({n} div 1000000000), {sep}, {part(1000000)}, "
        f"{sep}, {part(1000)}, {sep}, {part(1)}), "
        f"if({n} >= 1000000, concat(int({n} div 1000000), {sep}, {part(1000)}, {sep}, "
        f"{part(1)}), "
        f"if({n} >= 1000, concat(int({n} div 1000), {sep}, {part(1)}), "
        f"if({n} >= 0, string({n}), {xpath_string(blank)}))))"
    )


def _points_shown(sheet: FormSheet, name: str, expression: str) -> str:
    """A calculate with the points written the Vietnamese way; returns its reference."""
    sheet.calculate(f"{name}_vi", vi_decimal(expression))
    return _ref(f"{name}_vi")


def _derived_note(sheet: FormSheet, item: Item) -> Text:
    """What the device derived, in words: the figures, the outcome and the points."""
    assert item.derive is not None
    maximum = _points(item.max_points)
    points_vi = f"{_points_shown(sheet, 'p' + item.id, _ref('p' + item.id))}/{maximum}"
    points_en = f"{_ref('p' + item.id)}/{maximum}"
    for lang in ("vi", "en"):
        cases = [(answer, LEVEL_LABELS[answer].get(lang)) for answer in item.answers]
        sheet.calculate(f"{item.field}_{lang}", _switch(item.field, cases, ""))
    outcome_vi, outcome_en = _ref(f"{item.field}_vi"), _ref(f"{item.field}_en")
    result_vi = f"{outcome_vi}, {points_vi} điểm"
    result_en = f"{outcome_en}, {points_en} points"
    label = _item_label(item)
    if item.derive.rule == "all_members":
        counts = f"{_ref(item.field + '_nm')}/{_ref(item.field + '_ne')}"
        return Text(
            f"{label.vi}\nTự tính từ danh sách thành viên: {counts} người thuộc diện đạt → "
            f"{result_vi}",
            f"{label.en}\nDerived from the member roster: {counts} eligible members meet it → "
            f"{result_en}",
        )
    if item.derive.rule == "threshold":
        assert item.derive.value is not None
        value = _ref(item.field + "_v")
        if item.derive.value.kind == "ratio":
            percent = f"concat(round({value} * 100), '%')"
            sheet.calculate(f"{item.field}_vs", f"if({value} >= 0, {percent}, 'chưa có số liệu')")
            sheet.calculate(f"{item.field}_es", f"if({value} >= 0, {percent}, 'no figure yet')")
        else:
            sheet.calculate(f"{item.field}_vs", grouped(value, ".", "chưa có số liệu"))
            sheet.calculate(f"{item.field}_es", grouped(value, ",", "no figure yet"))
        shown_vi, shown_en = _ref(f"{item.field}_vs"), _ref(f"{item.field}_es")
        return Text(
            f"{label.vi}\nTự tính: {shown_vi} → {result_vi}",
            f"{label.en}\nDerived: {shown_en} → {result_en}",
        )
    return Text(
        f"{label.vi}\nTự tính từ các câu trả lời ở trên → {result_vi}",
        f"{label.en}\nDerived from the answers above → {result_en}",
    )


def _partly_guide(rubric: Rubric, item: Item) -> Text | None:
    if "partly" not in item.answers or "partly" not in rubric.scale:
        return None
    if item.guide is not None:
        return item.guide
    share = round(rubric.scale["partly"].fraction * 100)
    return Text(
        f"Đạt một phần: đã làm được một số việc của chỉ tiêu nhưng chưa đầy đủ, chưa thường "
        f"xuyên (được {share}% số điểm)",
        f"Partly met: some of what the item asks is done, but not all of it or not regularly "
        f"({share}% of the points)",
    )


def _points_expression(rubric: Rubric, item: Item) -> str:
    expression = "0"
    for answer in reversed(item.answers):
        points = rubric.points(item, answer)
        if points:
            expression = f"if({_ref(item.field)} = '{answer}', {_points(points)}, {expression})"
    return expression


def _applicable_expression(rubric: Rubric, item: Item) -> str:
    maximum = _points(item.max_points)
    if "not_applicable" in item.answers and rubric.not_applicable.excludes:
        return f"if({_ref(item.field)} = 'not_applicable', 0, {maximum})"
    return maximum


def _add_item(sheet: FormSheet, rubric: Rubric, item: Item) -> None:
    if item.derive is None:
        sheet.select(
            f"ans_{item.answer}",
            item.field,
            _item_label(item),
            hint=_partly_guide(rubric, item),
            required=True,
        )
    else:
        for calc in item.derive.calculations(item.field):
            if not calc.in_repeat:
                sheet.calculate(calc.name, calc.expression)
    sheet.calculate(f"p{item.id}", _points_expression(rubric, item))
    sheet.calculate(f"a{item.id}", _applicable_expression(rubric, item))
    if item.derive is not None:
        sheet.note(f"n{item.id}", _derived_note(sheet, item))


def add_criteria(sheet: FormSheet, rubric: Rubric) -> None:
    """One group per criterion group, one question or derived note per item, then the score."""
    used = {item.answer for item in rubric.items}
    for answer_type, levels in ANSWER_TYPES.items():
        if levels and answer_type in used:
            labels = MET_LABELS if answer_type == "met" else LEVEL_LABELS
            sheet.choice_list(f"ans_{answer_type}", [(lvl, labels[lvl]) for lvl in levels])
    add_rubric_reference(sheet, rubric)
    with sheet.group(
        "criteria",
        Text(f"Tiêu chí {rubric.title.vi}", f"{rubric.title.en} criteria"),
        relevant="${rubric_id} != ''",
    ):
        for index, group in enumerate(rubric.groups, start=1):
            maximum = _points(group.max_points)
            title = Text(
                f"Nhóm {index}. {group.title.vi} ({maximum} điểm)",
                f"Group {index}. {group.title.en} ({maximum} points)",
            )
            with sheet.group(group.id, title, appearance="field-list"):
                for item in group.items:
                    _add_item(sheet, rubric, item)
                sheet.calculate(group.field, " + ".join(_ref(f"p{i.id}") for i in group.items))
                sheet.calculate(
                    f"amax_{group.id}", " + ".join(_ref(f"a{i.id}") for i in group.items)
                )
                shown = _points_shown(sheet, group.field, _ref(group.field))
                applicable = _points_shown(sheet, f"amax_{group.id}", _ref(f"amax_{group.id}"))
                sheet.note(
                    f"n_{group.id}",
                    Text(
                        f"Điểm nhóm {index}: {shown}/{applicable} điểm áp dụng (tối đa {maximum})",
                        f"Group {index} points: {_ref(group.field)}/"
                        f"{_ref('amax_' + group.id)} applicable (at most {maximum})",
                    ),
                )
    _add_score(sheet, rubric)


def _switch(field: str, cases: list[tuple[str, str]], default: str) -> str:
    expression = xpath_string(default)
    for value, result in reversed(cases):
        expression = f"if({_ref(field)} = '{value}', {xpath_string(result)}, {expression})"
    return expression


def _reaches(points: str, maximum: float, threshold: float, applicable: str) -> str:
    """XPath of `Rubric.reaches`: points/applicable reaches threshold/maximum."""
    return f"{points} * {_points(maximum)} >= {_points(threshold)} * {applicable}"


def _add_score(sheet: FormSheet, rubric: Rubric) -> None:
    """The score and its summary, in the group `summary` (not relevant when no rubric
    applies: then a note outside it says why there is no score)."""
    with sheet.group(
        "summary", Text("Kết quả", "Result"), appearance="field-list", relevant="${rubric_id} != ''"
    ):
        _add_score_calculations(sheet, rubric)
        _add_summary(sheet, rubric)
    sheet.note(
        "score_none", _no_rubric_text((rubric, *rubric.variants)), relevant="${rubric_id} = ''"
    )


def _add_score_calculations(sheet: FormSheet, rubric: Rubric) -> None:
    total, applicable = _ref("score_total"), _ref("score_max")
    sheet.calculate("score_total", " + ".join(_ref(g.field) for g in rubric.groups))
    sheet.calculate("score_max", " + ".join(_ref(f"amax_{g.id}") for g in rubric.groups))
    share = rubric.not_applicable.min_applicable_share
    sheet.calculate(
        "score_assessable",
        f"if({applicable} >= {_points(share)} * {_points(rubric.total.points)}, 'yes', 'no')",
    )
    tests = ["${score_assessable} = 'yes'"]
    tests.append(_reaches(total, rubric.total.points, rubric.pass_mark.points, applicable))
    tests += [
        _reaches(_ref(g.field), g.max_points, g.min_points.points, _ref(f"amax_{g.id}"))
        for g in rubric.groups
        if g.min_points is not None
    ]
    sheet.calculate("score_pass", f"if({' and '.join(tests)}, 'yes', 'no')")
    fail = xpath_string(rubric.fail_class.id)
    classes = fail
    for rubric_class in reversed(rubric.classes):
        reached = _reaches(total, rubric.total.points, rubric_class.min_points, applicable)
        classes = f"if({reached}, {xpath_string(rubric_class.id)}, {classes})"
    cannot = xpath_string(rubric.cannot_assess_class.id)
    sheet.calculate(
        "score_class",
        f"if(${{score_assessable}} = 'no', {cannot}, "
        f"if(${{score_pass}} = 'yes', {classes}, {fail}))",
    )
    sheet.calculate("score_pct", f"if({applicable} > 0, round({total} * 100 div {applicable}), 0)")
    pass_points = (
        f"round({_points(rubric.pass_mark.points)} * {applicable} * 10 div "
        f"{_points(rubric.total.points)}) div 10"
    )
    sheet.calculate("score_pass_points", pass_points)
    for lang in ("vi", "en"):
        passed = Text("Đạt", "Passed").get(lang)
        failed = Text("Chưa đạt", "Not passed").get(lang)
        cannot_label = rubric.cannot_assess_class.label.get(lang)
        verdict = _switch("score_pass", [("yes", passed)], failed)
        sheet.calculate(
            f"score_pass_{lang}",
            f"if(${{score_assessable}} = 'no', {xpath_string(cannot_label)}, {verdict})",
        )
        cases = [(c.id, c.label.get(lang)) for c in rubric.classes]
        cases.append((rubric.cannot_assess_class.id, cannot_label))
        sheet.calculate(
            f"score_class_{lang}", _switch("score_class", cases, rubric.fail_class.label.get(lang))
        )


def _provisional_xpath(rubric: Rubric) -> str:
    """Whether the rubric that applies is provisional (in its score or its pass mark)."""
    flagged = [r.id for r in (rubric, *rubric.variants) if r.provisional]
    if not flagged:
        return "false()"
    return " or ".join(f"${{rubric_id}} = {xpath_string(i)}" for i in flagged)


def _add_summary(sheet: FormSheet, rubric: Rubric) -> None:
    rubrics = (rubric, *rubric.variants)
    titles = [(r.id, r.title) for r in rubrics]
    sheet.calculate("rubric_title_vi", _switch("rubric_id", [(i, t.vi) for i, t in titles], ""))
    sheet.calculate("rubric_title_en", _switch("rubric_id", [(i, t.en) for i, t in titles], ""))
    total_vi = _points_shown(sheet, "score_total", _ref("score_total"))
    max_vi = _points_shown(sheet, "score_max", _ref("score_max"))
    pass_vi = _points_shown(sheet, "score_pass_points", _ref("score_pass_points"))
    maximum = _points(rubric.total.points)
    sheet.note(
        "score_about",
        Text(
            "Kết quả tự tính trên máy theo bộ tiêu chí ${rubric_title_vi}, phiên bản "
            "${rubric_version}; điểm chính thức do hệ thống tính lại.",
            "Result computed on the device with the rubric ${rubric_title_en}, version "
            "${rubric_version}; the official score is recomputed by the system.",
        ),
    )
    sheet.note(
        "score_summary",
        Text(
            f"Tổng điểm: {total_vi}/{max_vi} điểm của các chỉ tiêu áp dụng "
            f"(${{score_pct}}%; thang {maximum} điểm)",
            f"Total: ${{score_total}}/${{score_max}} points of the applicable items "
            f"(${{score_pct}}%; scale of {maximum} points)",
        ),
    )
    sheet.note(
        "score_pass_note",
        Text(
            f"Điểm chuẩn: {pass_vi} điểm "
            f"({_percent(rubric.pass_mark.points, rubric.total.points)}% số điểm áp dụng) — "
            "${score_pass_vi}",
            f"Pass mark: ${{score_pass_points}} points "
            f"({_percent(rubric.pass_mark.points, rubric.total.points)}% of the applicable "
            "points) — ${score_pass_en}",
        ),
    )
    sheet.note(
        "score_class_note",
        Text("Xếp loại: ${score_class_vi}", "Class: ${score_class_en}"),
    )
    sheet.note(
        "score_provisional",
        PROVISIONAL_LINE,
        relevant=_provisional_xpath(rubric),
    )


def _percent(part: float, whole: float) -> str:
    return str(round(part * 100 / whole)) if whole else "0"


def _no_rubric_text(rubrics: tuple[Rubric, ...]) -> Text:
    periods_vi = "; ".join(f"{r.title.vi} {r.period.vi}" for r in rubrics)
    periods_en = "; ".join(f"{r.title.en} {r.period.en}" for r in rubrics)
    return Text(
        "Không có bộ tiêu chí nào áp dụng cho ngày đánh giá và cấp này, nên phiếu không chấm "
        f"điểm (chỉ ghi thông tin chung). Bộ tiêu chí hiện có: {periods_vi}.",
        "No rubric applies to this evaluation date and level, so the form gives no score "
        f"(it records the general information only). Rubrics available: {periods_en}.",
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
