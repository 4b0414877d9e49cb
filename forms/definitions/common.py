"""Parts every form shares: metadata, evaluation date and year, the location cascade, yes/no.

The location cascade follows the administrative units in force on the evaluation date
(`era`, computed on the device from `eval_date`, which defaults to today): district →
commune of that era → village. From 1 July 2025 districts no longer exist, so the first
question then means the former district, and each new commune or ward is listed under every
former district it took land from. Villages come from forms/reference/villages.csv, with an
"other village" choice and a free-text name as fallback (see `forms.reference`).
"""

from __future__ import annotations

from forms.definitions.sheet import FormSheet
from forms.reference import ERAS, Reference
from forms.text import Text

PLAN_DATE = "2014-07-14"
METADATA = ("start", "end", "today", "deviceid", "username")
YES_NO = (("yes", Text("Có", "Yes")), ("no", Text("Không", "No")))
PHONE_CONSTRAINT = "regex(., '^(0|\\+84)[0-9]{9,10}$')"
PHONE_MESSAGE = Text(
    "Số điện thoại gồm 10–11 chữ số, bắt đầu bằng 0 hoặc +84",
    "A phone number has 10–11 digits and starts with 0 or +84",
)
ERA_SWITCH = "if(${eval_date} < date('2020-02-01'), 1, if(${eval_date} < date('2025-07-01'), 2, 3))"


def add_metadata(sheet: FormSheet) -> None:
    """start, end, today, deviceid, username (kept under these names in every form)."""
    for name in METADATA:
        sheet.add(name, name)


def add_yes_no(sheet: FormSheet) -> None:
    sheet.choice_list("yes_no", YES_NO)


def add_evaluation_time(
    sheet: FormSheet,
    *,
    date_label: Text = Text("Ngày đánh giá", "Evaluation date"),
    year_label: Text = Text("Năm được đánh giá", "Year evaluated"),
    year_hint: Text = Text(
        "Năm có số liệu được đánh giá (thường là năm trước nếu đánh giá vào quý I)",
        "The year whose data is evaluated (usually the previous year when evaluating in Q1)",
    ),
) -> None:
    """eval_date (default today), eval_year and the era of administrative units (`era`).

    `eval_date` is whatever date the form dates itself by (`date_label`: the evaluation, the
    self-assessment, the start of an activity); the constraint messages name it by that label.
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
    sheet.add(
        "integer",
        "eval_year",
        year_label,
        hint=year_hint,
        required=True,
        constraint=". >= 2014 and . <= number(format-date(${eval_date}, '%Y'))",
        message=Text(
            f"Năm từ 2014 đến năm của {date.vi}",
            f"A year from 2014 to the year of the {date.en}",
        ),
    )
    sheet.calculate("era", ERA_SWITCH)


def _add_unit_lists(sheet: FormSheet, ref: Reference) -> None:
    sheet.choice_list("district", [(d.code, d.label) for d in ref.districts])
    for era in (1, 2):
        sheet.choice_list(
            f"commune_e{era}",
            [(u.code, u.label, {"district": u.district_code or ""}) for u in ref.communes(era)],
        )
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
    _add_unit_lists(sheet, ref)
    with sheet.group("location", Text("Địa bàn", "Location"), relevant=relevant):
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
                choice_filter=(
                    "district = ${district}" if era.id < 3 else "contains(districts, ${district})"
                ),
            )
        sheet.calculate(
            "commune", "if(${era} = 1, ${commune_e1}, if(${era} = 2, ${commune_e2}, ${commune_e3}))"
        )
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
                "(${era} = 1 and c1 = ${commune_e1}) or (${era} = 2 and c2 = ${commune_e2})"
                " or (${era} = 3 and c3 = ${commune_e3}) or name = 'other'"
            ),
        )
        sheet.add(
            "text",
            "village_other",
            Text("Tên thôn, bản, tổ dân phố", "Name of the village"),
            required=True,
            relevant="${village} = 'other'",
        )
