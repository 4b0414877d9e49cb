"""`gia_dinh`: Learning Family evaluation, with the household roster items 1a, 2a, 2b come from.

The roster asks each member's age, sex, schooling, literacy and learning activities this
year; schooling is asked in the age range of item 1a, literacy and learning in that of 2a
and 2b (both ranges read from the rubric). Items 1a, 2a and 2b are then derived on the
device and shown to the surveyor with their counts; the warehouse derives them again.
"""

from __future__ import annotations

from forms.definitions.common import (
    PHONE_CONSTRAINT,
    PHONE_MESSAGE,
    add_evaluation_time,
    add_location,
    add_metadata,
    add_yes_no,
)
from forms.definitions.criteria import add_criteria, add_member_calculations, roster_relevance
from forms.definitions.sheet import FormSheet
from forms.reference import Reference
from forms.rubric import Rubric
from forms.text import Text
from forms.xlsform import XLSFormData

FORM_ID = "gia_dinh"
VERSION = "2025.1"
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
    ("exempt", Text("Được miễn (ốm đau, khuyết tật)", "Exempt (illness or disability)")),
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


def _roster(sheet: FormSheet, rubric: Rubric) -> None:
    for list_name, items in (
        ("relation", RELATION),
        ("sex", SEX),
        ("schooling", SCHOOLING),
        ("literacy", LITERACY),
        ("learning", LEARNING),
    ):
        sheet.choice_list(list_name, items)
    with sheet.repeat(ROSTER, Text("Thành viên gia đình", "Household member")):
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
            Text("Quan hệ với chủ hộ", "Relation to the household head"),
            required=True,
        )
        sheet.select("sex", "m_sex", Text("Giới tính", "Sex"), required=True)
        sheet.add(
            "integer",
            "m_age",
            Text("Tuổi (tròn năm)", "Age (completed years)"),
            required=True,
            constraint=". >= 0 and . <= 120",
            message=Text("Tuổi từ 0 đến 120", "Age between 0 and 120"),
        )
        sheet.select(
            "schooling",
            "m_school",
            Text("Việc đi học", "Schooling"),
            required=True,
            relevant=roster_relevance(rubric, ROSTER, "m_school"),
        )
        sheet.select(
            "literacy",
            "m_literacy",
            Text("Biết chữ", "Literacy"),
            required=True,
            relevant=roster_relevance(rubric, ROSTER, "m_literacy"),
        )
        sheet.multiple(
            "learning",
            "m_learning",
            Text("Hình thức học tập trong năm", "Learning activities this year"),
            required=True,
            relevant=roster_relevance(rubric, ROSTER, "m_learning"),
            constraint="not(selected(., 'none') and count-selected(.) > 1)",
            message=Text(
                "'Không tham gia' không chọn cùng hình thức khác",
                "'None' cannot be chosen with another activity",
            ),
        )
        add_member_calculations(sheet, rubric, ROSTER)


def define(rubric: Rubric | None, ref: Reference) -> XLSFormData:
    assert rubric is not None
    sheet = FormSheet(
        FORM_ID, Text("Đánh giá Gia đình học tập", "Learning Family evaluation"), VERSION
    )
    add_metadata(sheet)
    add_yes_no(sheet)
    add_evaluation_time(sheet)
    add_location(sheet, ref, village="required")
    with sheet.group("household", Text("Hộ gia đình", "Household")):
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
        sheet.add(
            "text",
            "head_phone",
            Text("Số điện thoại", "Phone number"),
            pii="phone",
            constraint=PHONE_CONSTRAINT,
            message=PHONE_MESSAGE,
        )
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
                "Gia đình đã đăng ký xây dựng Gia đình học tập trong năm",
                "The family registered to become a Learning Family this year",
            ),
            required=True,
        )
        _roster(sheet, rubric)
        sheet.calculate("n_members", "count(${members})")
        sheet.note(
            "n_members_note",
            Text("Số thành viên đã ghi: ${n_members}", "Members recorded: ${n_members}"),
        )
    add_criteria(sheet, rubric)
    return sheet.to_xlsform("concat('GĐHT-', ${eval_year}, '-', ${commune}, '-', ${hh_code})")
