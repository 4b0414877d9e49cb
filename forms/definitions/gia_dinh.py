"""`gia_dinh`: Learning Family evaluation, with the household roster items 1a, 2a, 2b come from.

The roster (group `roster`, repeat `members`) takes two screens a member: name, relation,
sex and age, then schooling, literacy and learning activities in the year evaluated, each
question labelled with the member's name; schooling is asked in the age range of item 1a,
literacy and learning in that of 2a and 2b (both ranges read from the rubric, and said in
the hints). A second household head is refused as it is entered, and after the members the
surveyor confirms the counts: at least one member and exactly one head, or the form cannot
be finished. Items 1a, 2a and 2b are then derived on the device and shown to the surveyor
with their counts; the warehouse derives them again.
"""

from __future__ import annotations

from forms.definitions.common import (
    FIELD_LIST,
    VILLAGE_NAME,
    add_evaluation_time,
    add_location,
    add_metadata,
    add_phone,
    add_yes_no,
    range_message,
)
from forms.definitions.criteria import add_criteria, add_member_calculations, roster_relevance
from forms.definitions.sheet import FormSheet
from forms.reference import Reference
from forms.rubric import Rubric
from forms.text import Text, format_number
from forms.xlsform import XLSFormData

FORM_ID = "gia_dinh"
VERSION = "2026.1"
ROSTER = "members"

RELATION = (
    ("head", Text("Chủ hộ", "Household head")),
    ("spouse", Text("Vợ hoặc chồng", "Spouse")),
    ("child", Text("Con", "Child")),
    ("grandchild", Text("Cháu", "Grandchild")),
    ("parent", Text("Bố hoặc mẹ", "Parent")),
    ("other", Text("Người khác", "Other")),
)
SEX = (("male", Text("Nam", "Male")), ("female", Text("Nữ", "Female")))
SCHOOLING = (
    ("attending", Text("Đang đi học", "Attending school")),
    ("completed", Text("Đã học xong chương trình bắt buộc", "Completed compulsory education")),
    ("dropped", Text("Đã bỏ học", "Dropped out")),
    ("never", Text("Chưa từng đi học", "Never attended")),
    (
        "exempt",
        Text(
            "Được miễn (ốm đau, bệnh tật, không có khả năng học tập)",
            "Exempt (illness, disease or inability to learn)",
        ),
    ),
)
LITERACY = (
    ("level2", Text("Biết chữ mức độ 2", "Literate, level 2")),
    ("level1", Text("Biết chữ mức độ 1", "Literate, level 1")),
    ("illiterate", Text("Chưa biết chữ", "Not literate")),
    ("unable", Text("Không có khả năng học tập", "Unable to learn")),
)
LEARNING = (
    (
        "clc_class",
        Text("Lớp học ở Trung tâm học tập cộng đồng", "A class at the Community Learning Centre"),
    ),
    (
        "training",
        Text("Tập huấn, chuyển giao kỹ thuật, khuyến nông", "Training or agricultural extension"),
    ),
    ("formal", Text("Học chính quy, tại chức, từ xa", "Formal, in-service or distance study")),
    ("reading", Text("Đọc sách báo, tự học", "Reading or self-study")),
    ("online", Text("Học trực tuyến", "Online learning")),
    ("media", Text("Học qua đài, truyền hình", "Learning from radio or television")),
    ("club", Text("Câu lạc bộ, sinh hoạt chuyên đề", "A club or topic meeting")),
    ("none", Text("Không tham gia hình thức nào", "None")),
)


def _age_hint(rubric: Rubric, field: str) -> Text | None:
    """Who is asked `field`: the age ranges of the roster items that read it (their ids)."""
    ranges: dict[tuple[str, str], list[str]] = {}
    for item in rubric.items:
        rule = item.derive
        if rule is None or rule.repeat != ROSTER:
            continue
        if field not in {c.field for c in (*rule.eligible, *rule.meets)}:
            continue
        for condition in rule.eligible:
            if condition.op == "between" and condition.field == "m_age" and field != "m_age":
                low, high = (format_number(float(v)) for v in condition.values)
                ranges.setdefault((low, high), []).append(item.id)
    if not ranges:
        return None
    vi = "; ".join(
        f"từ {lo} đến {hi} tuổi (chỉ tiêu {', '.join(ids)})" for (lo, hi), ids in ranges.items()
    )
    en = "; ".join(f"aged {lo} to {hi} (item {', '.join(ids)})" for (lo, hi), ids in ranges.items())
    return Text(f"Chỉ hỏi thành viên {vi}", f"Asked only of members {en}")


def _either(*conditions: str | None) -> str | None:
    """`a or b`, None (always) when one of them is None."""
    if any(c is None for c in conditions):
        return None
    unique = list(dict.fromkeys(c for c in conditions if c))
    return " or ".join(f"({c})" for c in unique) if len(unique) > 1 else unique[0]


def _roster(sheet: FormSheet, rubric: Rubric) -> None:
    """The members (two screens each: who, then their learning), then a check that the
    roster has at least one member and exactly one household head."""
    for list_name, items in (
        ("relation", RELATION),
        ("sex", SEX),
        ("schooling", SCHOOLING),
        ("literacy", LITERACY),
        ("learning", LEARNING),
    ):
        sheet.choice_list(list_name, items)
    name = "${m_name}"
    relevance = {
        field: roster_relevance(rubric, ROSTER, field)
        for field in ("m_school", "m_literacy", "m_learning")
    }
    with sheet.repeat(ROSTER, Text("Thành viên gia đình", "Household member")):
        with sheet.group(
            "m_person", Text("Thành viên gia đình", "Household member"), appearance=FIELD_LIST
        ):
            sheet.add(
                "text",
                "m_name",
                Text("Tên gọi", "Given name"),
                required=True,
                pii="name",
                hint=Text("Chỉ để phân biệt các thành viên", "Only to tell members apart"),
            )
            sheet.select(
                "relation",
                "m_relation",
                Text(f"Quan hệ của {name} với chủ hộ", f"{name}'s relation to the household head"),
                required=True,
                hint=Text("Mỗi hộ có đúng một chủ hộ", "A household has exactly one head"),
                constraint="not(. = 'head' and ${n_heads} - ${m_is_head} > 0)",
                message=Text(
                    "Hộ đã có chủ hộ: mỗi hộ chỉ có một chủ hộ",
                    "The household already has a head: there is only one",
                ),
            )
            sheet.select(
                "sex", "m_sex", Text(f"Giới tính của {name}", f"{name}'s sex"), required=True
            )
            sheet.add(
                "integer",
                "m_age",
                Text(f"Tuổi của {name} (tròn năm)", f"{name}'s age (completed years)"),
                required=True,
                constraint=". >= 0 and . <= 120",
                message=range_message(0, 120, Text("tuổi", "years")),
            )
        with sheet.group(
            "m_study",
            Text(f"Học tập của {name}", f"{name}'s learning"),
            relevant=_either(*relevance.values()),
            appearance=FIELD_LIST,
        ):
            sheet.select(
                "schooling",
                "m_school",
                Text(f"Việc đi học của {name}", f"{name}'s schooling"),
                hint=_age_hint(rubric, "m_school"),
                required=True,
                relevant=relevance["m_school"],
            )
            sheet.select(
                "literacy",
                "m_literacy",
                Text(f"Mức biết chữ của {name}", f"{name}'s literacy"),
                hint=_age_hint(rubric, "m_literacy"),
                required=True,
                relevant=relevance["m_literacy"],
            )
            sheet.multiple(
                "learning",
                "m_learning",
                Text(
                    f"Các hình thức học tập của {name} trong năm ${{eval_year}}",
                    f"{name}'s learning activities in ${{eval_year}}",
                ),
                hint=_age_hint(rubric, "m_learning"),
                required=True,
                relevant=relevance["m_learning"],
                constraint="not(selected(., 'none') and count-selected(.) > 1)",
                message=Text(
                    "'Không tham gia' không chọn cùng hình thức khác",
                    "'None' cannot be chosen with another activity",
                ),
            )
        sheet.calculate("m_is_head", "if(${m_relation} = 'head', 1, 0)")
        add_member_calculations(sheet, rubric, ROSTER)
    sheet.calculate("n_members", "count(${members})")
    sheet.calculate("n_heads", "sum(${m_is_head})")
    sheet.add(
        "acknowledge",
        "roster_ok",
        Text(
            "Đã ghi ${n_members} thành viên, trong đó ${n_heads} chủ hộ. "
            "Đánh dấu để xác nhận danh sách đủ và đúng",
            "${n_members} members recorded, ${n_heads} of them household head. "
            "Tick to confirm the list is complete and right",
        ),
        required=True,
        constraint="${n_members} >= 1 and ${n_heads} = 1",
        message=Text(
            "Danh sách cần ít nhất 1 thành viên và đúng 1 chủ hộ (hiện có ${n_members} thành "
            "viên, ${n_heads} chủ hộ): quay lại sửa danh sách",
            "The list needs at least 1 member and exactly 1 household head (now "
            "${n_members} members, ${n_heads} heads): go back and correct it",
        ),
    )


def define(rubric: Rubric | None, ref: Reference) -> XLSFormData:
    assert rubric is not None
    sheet = FormSheet(
        FORM_ID, Text("Đánh giá Gia đình học tập", "Learning Family evaluation"), VERSION
    )
    add_metadata(sheet)
    add_yes_no(sheet)
    add_evaluation_time(sheet)
    add_location(sheet, ref, village="required")
    with sheet.group("household", Text("Hộ gia đình", "Household"), appearance=FIELD_LIST):
        sheet.add(
            "text",
            "hh_code",
            Text("Mã hộ hoặc số nhà (nếu có)", "Household code or house number (if any)"),
        )
        sheet.add(
            "text",
            "head_name",
            Text("Họ và tên chủ hộ", "Name of the household head"),
            required=True,
            pii="name",
        )
        add_phone(sheet, "head_phone")
        sheet.select(
            "yes_no",
            "hkh_member",
            Text(
                "Gia đình có hội viên Hội Khuyến học",
                "A member of the household belongs to the study-promotion association",
            ),
            required=True,
        )
        sheet.select(
            "yes_no",
            "registered",
            Text(
                "Gia đình đã đăng ký xây dựng Gia đình học tập năm ${eval_year}",
                "The family registered to become a Learning Family in ${eval_year}",
            ),
            required=True,
        )
    with sheet.group("roster", Text("Danh sách thành viên", "Household members")):
        _roster(sheet, rubric)
    add_criteria(sheet, rubric)
    code = "if(${hh_code} != '', concat(' (', ${hh_code}, ')'), '')"
    return sheet.to_xlsform(
        f"concat('GĐHT ', ${{head_name}}, {code}, ', ', {VILLAGE_NAME}, ', ', "
        "format-date(${eval_date}, '%d/%m/%Y'))"
    )
