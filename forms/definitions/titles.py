"""`dong_ho` (Learning Clan), `cong_dong` (Learning Community, village level) and `don_vi`
(Learning Unit self-assessment): identification, the counts their derived items use, the
rubric's questions and the score summary.

Identification and counts are one screen (a `field-list` group). A count may be unknown to
the surveyor: it is optional, blank meaning "not known" (NULL in the warehouse, never 0), and
an item derived from a blank count is not met; the hint says so. Ages are spelled out: a
school-age child is 6 to 14 (the compulsory-schooling range of the family rubric's item
1a), the community counts people aged 15 or over."""

from __future__ import annotations

from collections.abc import Callable

from forms.definitions.common import (
    FIELD_LIST,
    VILLAGE_NAME,
    add_count,
    add_evaluation_time,
    add_location,
    add_metadata,
    add_money,
    add_phone,
    add_yes_no,
    scored_fields,
)
from forms.definitions.criteria import add_criteria
from forms.definitions.sheet import FormSheet
from forms.reference import Reference
from forms.rubric import Rubric
from forms.text import Text
from forms.xlsform import XLSFormData

VERSION = "2026.1"
MAX_COUNT = 100_000


def _counts(sheet: FormSheet, rubric: Rubric) -> Callable[..., None]:
    """`add_count` for this form: optional, at most MAX_COUNT, told when an item uses it."""
    scored = scored_fields(rubric)

    def count(
        name: str, label: Text, *, bound: tuple[str, Text] | None = None, minimum: int = 0
    ) -> None:
        add_count(
            sheet,
            name,
            label,
            maximum=MAX_COUNT,
            minimum=minimum,
            bound=bound,
            scored=name in scored,
        )

    return count


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
    count = _counts(sheet, rubric)
    with sheet.group("clan", Text("Dòng họ", "Clan"), appearance=FIELD_LIST):
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
        add_phone(sheet, "head_phone")
        count("n_families", Text("Số gia đình trong dòng họ", "Families in the clan"), minimum=1)
        count(
            "n_learning_families",
            Text(
                "Số gia đình đạt danh hiệu Gia đình học tập năm ${eval_year}",
                "Families recognised as Learning Family in ${eval_year}",
            ),
            bound=("n_families", Text("số gia đình", "the number of families")),
        )
        count(
            "n_children_school_age",
            Text(
                "Số trẻ em trong độ tuổi đi học (từ 6 đến 14 tuổi)",
                "School-age children (aged 6 to 14)",
            ),
        )
        count(
            "n_children_school",
            Text(
                "Trong đó số trẻ em từ 6 đến 14 tuổi đang đi học",
                "Of whom children aged 6 to 14 attending school",
            ),
            bound=(
                "n_children_school_age",
                Text("số trẻ em từ 6 đến 14 tuổi", "the number of children aged 6 to 14"),
            ),
        )
        sheet.select(
            "yes_no",
            "has_fund",
            Text("Dòng họ có quỹ khuyến học", "The clan has a study-promotion fund"),
            required=True,
        )
        add_money(
            sheet,
            "fund_balance",
            Text("Số dư quỹ khuyến học (đồng)", "Fund balance (đồng)"),
            relevant="${has_fund} = 'yes'",
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
    count = _counts(sheet, rubric)
    with sheet.group("community", Text("Cộng đồng", "Community"), appearance=FIELD_LIST):
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
        add_phone(sheet, "leader_phone")
        count("n_households", Text("Số hộ", "Households"), minimum=1)
        count(
            "n_learning_families",
            Text(
                "Số hộ đạt danh hiệu Gia đình học tập năm ${eval_year}",
                "Households recognised as Learning Family in ${eval_year}",
            ),
            bound=("n_households", Text("số hộ", "the number of households")),
        )
        count(
            "n_adults",
            Text("Số người từ 15 tuổi trở lên", "People aged 15 or over"),
            minimum=1,
        )
        count(
            "n_adults_learning",
            Text(
                "Số người từ 15 tuổi trở lên đã học ở TTHTCĐ hoặc lớp tập huấn năm ${eval_year}",
                "People aged 15 or over who attended CLC classes or training in ${eval_year}",
            ),
            bound=("n_adults", Text("số người từ 15 tuổi", "the number of people aged 15+")),
        )
    add_criteria(sheet, rubric)
    return sheet.to_xlsform(
        f"concat('CĐHT-', ${{eval_year}}, '-', ${{commune}}, '-', {VILLAGE_NAME})"
    )


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
    members = ("n_members", Text("số thành viên", "the number of members"))
    count = _counts(sheet, rubric)
    with sheet.group("unit", Text("Đơn vị", "Unit"), appearance=FIELD_LIST):
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
        add_phone(sheet, "contact_phone", Text("Số điện thoại liên hệ", "Contact phone"))
        count(
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
            count(name, label, bound=members)
    add_criteria(sheet, rubric)
    return sheet.to_xlsform("concat('ĐVHT-', ${eval_year}, '-', ${commune}, '-', ${unit_name})")
