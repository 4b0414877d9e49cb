"""Parts every form shares: metadata, evaluation date and year, the location cascade, yes/no,
phone numbers, counts a surveyor may not know, bounded numbers and money.

The location cascade follows the administrative units in force on the evaluation date
(`era`, computed on the device from `eval_date`, which defaults to today): district →
commune of that era → village, on one screen (a `field-list` group; Collect updates the
lists as the answers above change), the long lists as searchable drop-downs. From 1 July
2025 districts no longer exist, so the first question then means the former district, and
each new commune or ward is listed under every former district it took land from. A unit
renamed within an era (Vân Tùng, xã → thị trấn on 10/4/2023) is listed under the name in
force on the evaluation date (`forms.reference`: the earlier name's choice value carries
its last day, `commune` is always the GSO code). Villages come from
forms/reference/villages.csv, with an "other village" choice and a free-text name as
fallback.
"""

from __future__ import annotations

from forms.definitions.sheet import FormSheet
from forms.reference import ERAS, Reference
from forms.rubric import Rubric
from forms.text import Text, format_number

PLAN_DATE = "2014-07-14"
METADATA = ("start", "end", "today", "deviceid", "username")
YES_NO = (("yes", Text("Có", "Yes")), ("no", Text("Không", "No")))
FIELD_LIST = "field-list"
SEARCHABLE = "minimal autocomplete"  # a drop-down with a search box (Collect 1.28+)

# 0 and 9 digits (mobile, 10 in all) or 10 (old 11-digit landlines), or +84 for the 0; the
# first digit after 0 or +84 is never 0.
PHONE_CONSTRAINT = "regex(., '^(0|\\+84)[1-9][0-9]{8,9}$')"
PHONE_MESSAGE = Text(
    "Số điện thoại: 0 và 9 chữ số (máy bàn cũ: 0 và 10 chữ số), hoặc +84 thay cho số 0 "
    "(+84 và 9 hoặc 10 chữ số); viết liền, không dấu cách",
    "Phone number: 0 and 9 digits (old landlines: 0 and 10 digits), or +84 instead of the 0 "
    "(+84 and 9 or 10 digits); no spaces",
)
ERA_SWITCH = "if(${eval_date} < date('2020-02-01'), 1, if(${eval_date} < date('2025-07-01'), 2, 3))"
COMMUNE_CODE = (
    "if(${era} = 1, ${commune_e1}, if(${era} = 2, "
    "substring-before(concat(${commune_e2}, '_'), '_'), ${commune_e3}))"
)
VILLAGE_NAME = "if(${village} = 'other', ${village_other}, ${village})"

UNKNOWN = Text("Để trống nếu không rõ", "Leave blank if unknown")
UNKNOWN_SCORED = Text(
    "Để trống nếu không rõ (khi đó chỉ tiêu tính từ số này là chưa đạt)",
    "Leave blank if unknown (an item computed from it then counts as not met)",
)
MAX_MONEY = 999_999_999  # đồng; Collect's integer widget takes at most nine digits


def scored_fields(rubric: Rubric) -> set[str]:
    """The fields a derived item reads, in the rubric or any of its variants."""
    rubrics = (rubric, *rubric.variants)
    return {
        name
        for each in rubrics
        for item in each.items
        if item.derive
        for name in item.derive.fields()
    }


def add_metadata(sheet: FormSheet) -> None:
    """start, end, today, deviceid, username (kept under these names in every form)."""
    for name in METADATA:
        sheet.add(name, name)


def add_yes_no(sheet: FormSheet) -> None:
    sheet.choice_list("yes_no", YES_NO)


def add_phone(
    sheet: FormSheet, name: str, label: Text = Text("Số điện thoại", "Phone number")
) -> None:
    """An optional phone number, checked for its Vietnamese form."""
    sheet.add(
        "text",
        name,
        label,
        hint=Text("Ví dụ 0912345678 hoặc +84912345678", "e.g. 0912345678 or +84912345678"),
        pii="phone",
        constraint=PHONE_CONSTRAINT,
        message=PHONE_MESSAGE,
    )


def range_message(low: float, high: float, unit: Text | None = None) -> Text:
    """`Từ 0 đến 100.000` / `From 0 to 100,000`, with the unit if given."""
    vi_unit = f" {unit.vi}" if unit else ""
    en_unit = f" {unit.en}" if unit else ""
    return Text(
        f"Từ {format_number(low, 'vi')} đến {format_number(high, 'vi')}{vi_unit}",
        f"From {format_number(low, 'en')} to {format_number(high, 'en')}{en_unit}",
    )


def at_most(field: str) -> str:
    """`. <= ${field}` when that field holds a number; no bound when it is blank or unknown
    (a comparison with NaN is false, so the test passes)."""
    return f"not(. > ${{{field}}})"


def add_count(
    sheet: FormSheet,
    name: str,
    label: Text,
    *,
    maximum: int,
    minimum: int = 0,
    bound: tuple[str, Text] | None = None,
    required: bool = False,
    scored: bool = False,
    relevant: str | None = None,
    hint: Text | None = None,
) -> None:
    """An integer count from `minimum` to `maximum`, and not above the field `bound[0]`
    (named `bound[1]` in the message) when that is known. Optional unless `required`: a
    surveyor who does not know leaves it blank (NULL in the warehouse, never a made-up 0),
    told so by the hint; `scored` says an item is computed from it."""
    constraint = f". >= {minimum} and . <= {maximum}"
    message = range_message(minimum, maximum)
    if bound:
        field, what = bound
        constraint += f" and {at_most(field)}"
        message = Text(
            f"{message.vi}, không lớn hơn {what.vi}", f"{message.en}, not more than {what.en}"
        )
    if hint is None and not required:
        hint = UNKNOWN_SCORED if scored else UNKNOWN
    sheet.add(
        "integer",
        name,
        label,
        hint=hint,
        required=required,
        relevant=relevant,
        constraint=constraint,
        message=message,
    )


def add_money(
    sheet: FormSheet,
    name: str,
    label: Text,
    *,
    scored: bool = False,
    relevant: str | None = None,
) -> None:
    """An amount in đồng, 0 if none, blank if unknown, at most `MAX_MONEY`; shown with
    thousands separators while typed."""
    unknown = UNKNOWN_SCORED if scored else UNKNOWN
    sheet.add(
        "integer",
        name,
        label,
        hint=Text(f"Đồng; ghi 0 nếu không có. {unknown.vi}", f"Đồng; 0 if none. {unknown.en}"),
        relevant=relevant,
        constraint=f". >= 0 and . <= {MAX_MONEY}",
        message=range_message(0, MAX_MONEY, Text("đồng", "đồng")),
        appearance="thousands-sep",
    )


def add_evaluation_time(
    sheet: FormSheet,
    *,
    date_label: Text = Text("Ngày đánh giá", "Evaluation date"),
    year_label: Text = Text("Năm được đánh giá", "Year evaluated"),
    year_hint: Text = Text(
        "Năm có số liệu được đánh giá; ví dụ đánh giá vào quý I năm 2025 thì thường là năm 2024",
        "The year whose data is evaluated; e.g. an evaluation in the first quarter of 2025 "
        "usually covers 2024",
    ),
    year_lag: int | None = None,
) -> None:
    """eval_date (default today), eval_year and the era of administrative units (`era`).

    `eval_date` is whatever date the form dates itself by (`date_label`: the evaluation, the
    self-assessment, the start of an activity); the constraint messages name it by that label.
    `eval_year` is at most the year of that date, and with `year_lag` at least that many
    years before it.
    """
    date = Text(*(text[:1].lower() + text[1:] for text in (date_label.vi, date_label.en)))
    sheet.add(
        "date",
        "eval_date",
        date_label,
        hint=Text(
            "Danh mục xã, phường bên dưới theo đơn vị hành chính tại ngày này",
            "The communes and wards below are those in force on this date",
        ),
        required=True,
        default="today()",
        constraint=f". >= date('{PLAN_DATE}') and . <= today()",
        message=Text(
            f"{date_label.vi} từ 14/7/2014 (ngày ban hành kế hoạch) đến hôm nay",
            f"The {date.en} must be between 14 July 2014 (the plan's date) and today",
        ),
    )
    year_of_date = "number(format-date(${eval_date}, '%Y'))"
    constraint = f". >= 2014 and . <= {year_of_date}"
    message = Text(
        f"Năm từ 2014 đến năm của {date.vi}", f"A year from 2014 to the year of the {date.en}"
    )
    if year_lag is not None:
        constraint += f" and . >= {year_of_date} - {year_lag}"
        message = Text(
            f"Năm từ 2014, là năm của {date.vi} hoặc {year_lag} năm trước đó",
            f"A year from 2014: the year of the {date.en} or up to {year_lag} before it",
        )
    sheet.add(
        "integer",
        "eval_year",
        year_label,
        hint=year_hint,
        required=True,
        constraint=constraint,
        message=message,
    )
    sheet.calculate("era", ERA_SWITCH)


def _add_unit_lists(sheet: FormSheet, ref: Reference) -> dict[int, bool]:
    """The district and commune lists; for each era, whether its list has dated names (then
    each choice has the first and last day of its name, `from_day` and `to_day`, YYYYMMDD)."""
    sheet.choice_list("district", [(d.code, d.label) for d in ref.districts])
    dated: dict[int, bool] = {}
    for era in ERAS[:2]:
        units = ref.communes(era.id)
        dated[era.id] = any(u.names for u in units)
        rows = []
        for unit in units:
            for value, named in unit.choices():
                columns = {"district": unit.district_code or ""}
                if dated[era.id]:
                    start, end = named.valid_from or era.valid_from, named.valid_to or era.valid_to
                    columns |= {
                        "from_day": f"{start:%Y%m%d}" if start else "0",
                        "to_day": f"{end:%Y%m%d}" if end else "99991231",
                    }
                rows.append((value, named.label, columns))
        sheet.choice_list(f"commune_e{era.id}", rows)
    sheet.choice_list(
        "commune_e3",
        [(u.code, u.label, {"districts": " ".join(u.former_districts)}) for u in ref.communes(3)],
    )
    villages = [
        (
            v.code,
            Text.same(v.name),
            {"c1": v.commune_code_until_2020, "c2": v.commune_code, "c3": v.successor_code},
        )
        for v in ref.villages
    ]
    other = ("other", Text("Thôn, bản khác (ghi tên)", "Another village (type its name)"))
    sheet.choice_list("village", [*villages, other])
    return dated


def _commune_filter(era: int, dated: bool) -> str:
    if era == 3:
        return "contains(districts, ${district})"
    test = "district = ${district}"
    if dated:  # numbers YYYYMMDD, compared alike by every engine
        test += " and from_day <= ${eval_day} and ${eval_day} <= to_day"
    return test


def add_location(
    sheet: FormSheet,
    ref: Reference,
    *,
    village: str = "required",
    relevant: str | None = None,
    commune_relevant: str | None = None,
    village_label: Text = Text("Thôn, bản, tổ dân phố", "Village, hamlet or residential group"),
) -> None:
    """District → commune (of the era) → village; `village` is required, optional or none.

    Adds `commune` (calculate): the GSO code of the chosen commune in the era in force.
    """
    dated = _add_unit_lists(sheet, ref)
    with sheet.group(
        "location", Text("Địa bàn", "Location"), relevant=relevant, appearance=FIELD_LIST
    ):
        if any(dated.values()):
            sheet.calculate("eval_day", "number(format-date(${eval_date}, '%Y%m%d'))")
        sheet.select(
            "district",
            "district",
            Text("Huyện, thành phố", "District or city"),
            hint=Text(
                "Từ 01/7/2025 không còn cấp huyện: chọn huyện cũ nơi có xã, phường",
                "Districts were abolished on 1 July 2025: choose the former district of the "
                "commune or ward",
            ),
            required=True,
        )
        for era in ERAS:
            condition = f"${{era}} = {era.id}"
            if commune_relevant:
                condition = f"{condition} and ({commune_relevant})"
            sheet.select(
                f"commune_e{era.id}",
                f"commune_e{era.id}",
                Text(f"Xã, phường, thị trấn — {era.label.vi}", f"Commune or ward — {era.label.en}"),
                required=True,
                relevant=condition,
                choice_filter=_commune_filter(era.id, dated.get(era.id, False)),
                appearance=SEARCHABLE,
            )
        sheet.calculate("commune", COMMUNE_CODE)
        if village == "none":
            return
        relevant_village = commune_relevant or None
        sheet.select(
            "village",
            "village",
            village_label,
            hint=Text(
                "Nếu thôn, bản chưa có trong danh sách, chọn 'Thôn, bản khác' và ghi tên",
                "If the village is not listed, choose 'Another village' and type its name",
            ),
            required=village == "required",
            relevant=relevant_village,
            choice_filter=(
                "(${era} = 1 and c1 = ${commune}) or (${era} = 2 and c2 = ${commune})"
                " or (${era} = 3 and c3 = ${commune}) or name = 'other'"
            ),
            appearance=SEARCHABLE,
        )
        sheet.add(
            "text",
            "village_other",
            Text("Tên thôn, bản, tổ dân phố", "Name of the village"),
            required=True,
            relevant="${village} = 'other'",
        )
