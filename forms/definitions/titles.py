"""`dong_ho` (Learning Clan), `cong_dong` (Learning Community, village level) and `don_vi`
(Learning Unit self-assessment): identification, the counts their derived items use, the
rubric's questions and the score summary."""

from __future__ import annotations

from forms.definitions.common import (
    PHONE_CONSTRAINT,
    PHONE_MESSAGE,
    add_evaluation_time,
    add_location,
    add_metadata,
    add_yes_no,
)
from forms.definitions.criteria import add_criteria
from forms.definitions.sheet import FormSheet
from forms.reference import Reference
from forms.rubric import Rubric
from forms.text import Text
from forms.xlsform import XLSFormData

VERSION = "2025.1"
MAX_COUNT = 100000


def _count(
    sheet: FormSheet,
    name: str,
    label: Text,
    *,
    at_most: str | None = None,
    minimum: int = 0,
    what: Text | None = None,
) -> None:
    """A required integer count, at least `minimum`, at most the field `at_most` if given."""
    constraint = f". >= {minimum} and . <= {MAX_COUNT}"
    message = Text(f"Số từ {minimum} đến {MAX_COUNT}", f"A number from {minimum} to {MAX_COUNT}")
    if at_most:
        constraint += f" and . <= ${{{at_most}}}"
        assert what is not None
        message = Text(
            f"Số từ {minimum}, không lớn hơn {what.vi}",
            f"A number from {minimum}, not more than {what.en}",
        )
    sheet.add("integer", name, label, required=True, constraint=constraint, message=message)


def define_dong_ho(rubric: Rubric | None, ref: Reference) -> XLSFormData:
    assert rubric is not None
    sheet = FormSheet(
        "dong_ho", Text("Đánh giá Dòng họ học tập", "Learning Clan evaluation"), VERSION
    )
    add_metadata(sheet)
    add_yes_no(sheet)
    add_evaluation_time(sheet)
    add_location(
        sheet,
        ref,
        village="required",
        village_label=Text(
            "Thôn, bản nơi dòng họ sinh sống chủ yếu", "Village where most of the clan lives"
        ),
    )
    with sheet.group("clan", Text("Dòng họ", "Clan")):
        sheet.add(
            "text",
            "clan_name",
            Text("Tên dòng họ (chi, nhánh)", "Clan (branch) name"),
            required=True,
        )
        sheet.add(
            "text",
            "head_name",
            Text(
                "Họ và tên trưởng họ hoặc trưởng ban khuyến học",
                "Name of the clan head or study-promotion lead",
            ),
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
        families = Text("số gia đình", "the number of families")
        _count(
            sheet,
            "n_families",
            Text("Số gia đình trong dòng họ", "Families in the clan"),
            minimum=1,
        )
        _count(
            sheet,
            "n_learning_families",
            Text(
                "Số gia đình đạt Gia đình học tập năm trước",
                "Families recognised as Learning Family last year",
            ),
            at_most="n_families",
            what=families,
        )
        age = Text("số trẻ trong độ tuổi", "the number of school-age children")
        _count(
            sheet,
            "n_children_school_age",
            Text("Số trẻ em trong độ tuổi đi học", "School-age children"),
        )
        _count(
            sheet,
            "n_children_school",
            Text("Số trẻ em trong độ tuổi đang đi học", "School-age children attending school"),
            at_most="n_children_school_age",
            what=age,
        )
        sheet.select(
            "yes_no",
            "has_fund",
            Text("Dòng họ có quỹ khuyến học", "The clan has a study-promotion fund"),
            required=True,
        )
        sheet.add(
            "integer",
            "fund_balance",
            Text("Số dư quỹ khuyến học (đồng)", "Fund balance (VND)"),
            relevant="${has_fund} = 'yes'",
            constraint=". >= 0",
            message=Text("Số tiền không âm", "An amount of zero or more"),
        )
    add_criteria(sheet, rubric)
    return sheet.to_xlsform("concat('DHHT-', ${eval_year}, '-', ${commune}, '-', ${clan_name})")


def define_cong_dong(rubric: Rubric | None, ref: Reference) -> XLSFormData:
    assert rubric is not None
    sheet = FormSheet(
        "cong_dong",
        Text(
            "Đánh giá Cộng đồng học tập (thôn, bản, tổ dân phố)",
            "Learning Community evaluation (village level)",
        ),
        VERSION,
    )
    add_metadata(sheet)
    add_yes_no(sheet)
    add_evaluation_time(sheet)
    add_location(
        sheet,
        ref,
        village="required",
        village_label=Text(
            "Thôn, bản, tổ dân phố được đánh giá",
            "The village, hamlet or residential group evaluated",
        ),
    )
    sheet.choice_list(
        "community_type",
        (
            ("thon", Text("Thôn", "Village (thôn)")),
            ("ban", Text("Bản", "Hamlet (bản)")),
            ("to_dan_pho", Text("Tổ dân phố", "Residential group")),
        ),
    )
    with sheet.group("community", Text("Cộng đồng", "Community")):
        sheet.select(
            "community_type",
            "community_type",
            Text("Loại cộng đồng", "Kind of community"),
            required=True,
        )
        sheet.add(
            "text",
            "leader_name",
            Text("Họ và tên trưởng thôn, bản, tổ", "Name of the village head"),
            required=True,
            pii="name",
        )
        sheet.add(
            "text",
            "leader_phone",
            Text("Số điện thoại", "Phone number"),
            pii="phone",
            constraint=PHONE_CONSTRAINT,
            message=PHONE_MESSAGE,
        )
        _count(sheet, "n_households", Text("Số hộ", "Households"), minimum=1)
        _count(
            sheet,
            "n_learning_families",
            Text(
                "Số hộ đạt Gia đình học tập năm trước",
                "Households recognised as Learning Family last year",
            ),
            at_most="n_households",
            what=Text("số hộ", "the number of households"),
        )
        _count(
            sheet,
            "n_adults",
            Text("Số người lớn (từ 15 tuổi)", "Adults (aged 15 or more)"),
            minimum=1,
        )
        _count(
            sheet,
            "n_adults_learning",
            Text(
                "Số người lớn đã học ở TTHTCĐ hoặc lớp tập huấn trong năm",
                "Adults who attended CLC classes or training this year",
            ),
            at_most="n_adults",
            what=Text("số người lớn", "the number of adults"),
        )
    add_criteria(sheet, rubric)
    return sheet.to_xlsform("concat('CĐHT-', ${eval_year}, '-', ${commune}, '-', ${village})")


def define_don_vi(rubric: Rubric | None, ref: Reference) -> XLSFormData:
    assert rubric is not None
    sheet = FormSheet(
        "don_vi", Text("Tự đánh giá Đơn vị học tập", "Learning Unit self-assessment"), VERSION
    )
    add_metadata(sheet)
    add_yes_no(sheet)
    add_evaluation_time(sheet, date_label=Text("Ngày tự đánh giá", "Self-assessment date"))
    add_location(
        sheet,
        ref,
        village="optional",
        village_label=Text(
            "Thôn, tổ dân phố nơi đơn vị đóng (nếu có)", "Village of the unit's seat (if any)"
        ),
    )
    sheet.choice_list(
        "unit_type",
        (
            ("agency", Text("Cơ quan nhà nước", "Government agency")),
            (
                "organisation",
                Text("Tổ chức chính trị - xã hội, hội", "Mass organisation or association"),
            ),
            ("school", Text("Trường học, cơ sở giáo dục", "School or education institution")),
            ("enterprise", Text("Doanh nghiệp", "Enterprise")),
            ("armed_forces", Text("Đơn vị lực lượng vũ trang", "Armed-forces unit")),
            ("other", Text("Đơn vị khác", "Other unit")),
        ),
    )
    sheet.choice_list(
        "unit_level",
        (
            ("province", Text("Cấp tỉnh", "Province level")),
            ("district", Text("Cấp huyện", "District level")),
            ("commune", Text("Cấp xã", "Commune level")),
        ),
    )
    members = Text("số thành viên", "the number of members")
    with sheet.group("unit", Text("Đơn vị", "Unit")):
        sheet.add("text", "unit_name", Text("Tên đơn vị", "Name of the unit"), required=True)
        sheet.select("unit_type", "unit_type", Text("Loại đơn vị", "Kind of unit"), required=True)
        sheet.select("unit_level", "unit_level", Text("Cấp", "Level"), required=True)
        sheet.add(
            "text",
            "head_name",
            Text("Họ và tên thủ trưởng đơn vị", "Name of the head of the unit"),
            required=True,
            pii="name",
        )
        sheet.add(
            "text",
            "contact_phone",
            Text("Số điện thoại liên hệ", "Contact phone"),
            pii="phone",
            constraint=PHONE_CONSTRAINT,
            message=PHONE_MESSAGE,
        )
        _count(
            sheet,
            "n_members",
            Text("Số thành viên (cán bộ, người lao động)", "Members (staff and workers)"),
            minimum=1,
        )
        for name, label in (
            (
                "n_self_study",
                Text(
                    "Số thành viên có kế hoạch tự học được phê duyệt",
                    "Members with an approved self-study plan",
                ),
            ),
            (
                "n_disciplined",
                Text(
                    "Số thành viên chấp hành tốt kỷ luật, kỷ cương",
                    "Members who observe discipline",
                ),
            ),
            (
                "n_trained",
                Text(
                    "Số thành viên hoàn thành bồi dưỡng, tập huấn bắt buộc",
                    "Members who completed the mandatory training",
                ),
            ),
            (
                "n_advanced",
                Text(
                    "Số thành viên đạt Lao động tiên tiến trở lên",
                    "Members rated Advanced Worker or better",
                ),
            ),
            (
                "n_learning_citizen",
                Text(
                    "Số thành viên đạt năng lực Công dân học tập",
                    "Members meeting the Learning-Citizen competencies",
                ),
            ),
        ):
            _count(sheet, name, label, at_most="n_members", what=members)
    add_criteria(sheet, rubric)
    return sheet.to_xlsform("concat('ĐVHT-', ${eval_year}, '-', ${commune}, '-', ${unit_name})")
