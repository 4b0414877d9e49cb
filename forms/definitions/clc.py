"""`clc_assessment`: the state of a commune's Community Learning Centre (TTHTCĐ) in a year.

Legal status, management and staff, facilities, the learning-needs survey, the classes held
(a repeat), learners and outcomes, finance, ICT, links to the titles, photo evidence and GPS;
then the province's provisional CLC index, mostly derived from those answers.
"""

from __future__ import annotations

from forms.definitions.common import (
    FIELD_LIST,
    add_count,
    add_evaluation_time,
    add_location,
    add_metadata,
    add_money,
    add_yes_no,
    scored_fields,
)
from forms.definitions.criteria import add_criteria
from forms.definitions.sheet import FormSheet
from forms.reference import Reference
from forms.rubric import Rubric
from forms.text import Text, format_number
from forms.xlsform import XLSFormData

FORM_ID = "clc_assessment"
VERSION = "2026.1"

TOPICS = (
    ("literacy", Text("Xóa mù chữ, sau xóa mù chữ", "Literacy and post-literacy")),
    ("law", Text("Pháp luật, chính sách", "Law and policy")),
    ("agriculture", Text("Trồng trọt, chăn nuôi, khuyến nông", "Farming and extension")),
    ("health", Text("Sức khỏe, dân số, vệ sinh", "Health, population and hygiene")),
    ("culture", Text("Văn hóa, văn nghệ, thể thao", "Culture, arts and sport")),
    ("ict", Text("Tin học, chuyển đổi số", "ICT and digital skills")),
    ("vocational", Text("Dạy nghề ngắn hạn", "Short vocational training")),
    ("life_skills", Text("Kỹ năng sống", "Life skills")),
    ("other", Text("Chủ đề khác", "Other topic")),
)
PARTNERS = (
    ("hkh", Text("Hội Khuyến học", "Study-promotion association")),
    ("women", Text("Hội Liên hiệp phụ nữ", "Women's Union")),
    ("farmers", Text("Hội Nông dân", "Farmers' Union")),
    ("youth", Text("Đoàn Thanh niên", "Youth Union")),
    ("veterans", Text("Hội Cựu chiến binh", "Veterans' Association")),
    ("elderly", Text("Hội Người cao tuổi", "Elderly Association")),
    ("extension", Text("Trạm khuyến nông", "Agricultural extension station")),
    ("health", Text("Trạm y tế", "Health station")),
    ("school", Text("Trường học", "School")),
    ("enterprise", Text("Doanh nghiệp", "Enterprise")),
    ("none", Text("Không có đơn vị phối hợp", "No partner")),
    ("other", Text("Đơn vị khác", "Other organisation")),
)
SITES = (
    ("own", Text("Trụ sở riêng", "Its own building")),
    (
        "shared",
        Text(
            "Dùng chung (nhà văn hóa, trường học, UBND xã)",
            "Shared (cultural house, school, commune office)",
        ),
    ),
    ("none", Text("Chưa có địa điểm ổn định", "No stable site")),
)
ISSUERS = (
    (
        "district",
        Text("UBND huyện (trước 01/7/2025)", "District People's Committee (before 1 July 2025)"),
    ),
    (
        "commune",
        Text(
            "Chủ tịch UBND xã (từ 01/7/2025)", "Commune People's Committee chair (from 1 July 2025)"
        ),
    ),
    ("other", Text("Cơ quan khác", "Another body")),
)


class _Numbers:
    """Counts and amounts of one form: optional (blank: unknown) unless required, the hint
    saying when an item of the rubric is computed from them (`scored`)."""

    def __init__(self, sheet: FormSheet, scored: set[str]) -> None:
        self.sheet = sheet
        self.scored = scored

    def integer(
        self,
        name: str,
        label: Text,
        *,
        maximum: int = 1000,
        at_most: tuple[str, Text] | None = None,
        required: bool = False,
    ) -> None:
        """A count from 0 to `maximum`, and not above `at_most` when that is known."""
        add_count(
            self.sheet,
            name,
            label,
            maximum=maximum,
            bound=at_most,
            required=required,
            scored=name in self.scored,
        )

    def money(self, name: str, label: Text) -> None:
        add_money(self.sheet, name, label, scored=name in self.scored)


def _in_year(label: Text, *, start: bool) -> tuple[str, Text]:
    """The constraint and message of a class date, not after today and in the year evaluated:
    a class starts in that year or the one before and ends in that year or later."""
    year = "number(format-date(., '%Y'))"
    if start:
        constraint = f". <= today() and {year} <= ${{eval_year}} and {year} >= ${{eval_year}} - 1"
        message = Text(
            f"{label.vi} không sau hôm nay, trong năm ${{eval_year}} hoặc năm trước đó",
            f"The {label.en.lower()} is not after today, in ${{eval_year}} or the year before",
        )
    else:
        constraint = f". >= ${{cl_start}} and . <= today() and {year} >= ${{eval_year}}"
        message = Text(
            f"{label.vi} không trước ngày bắt đầu, không sau hôm nay, từ năm ${{eval_year}}",
            f"The {label.en.lower()} is not before the start date nor after today, and in "
            "${eval_year} or later",
        )
    return constraint, message


def _centre(sheet: FormSheet, numbers: _Numbers) -> None:
    with sheet.group(
        "legal", Text("Pháp lý và tổ chức", "Legal status and organisation"), appearance=FIELD_LIST
    ):
        sheet.add(
            "text",
            "clc_name",
            Text("Tên Trung tâm học tập cộng đồng", "Name of the Community Learning Centre"),
            required=True,
        )
        sheet.select(
            "yes_no",
            "legal_decision",
            Text("Có quyết định thành lập", "Has a founding decision"),
            required=True,
        )
        decided = "${legal_decision} = 'yes'"
        sheet.add("text", "decision_no", Text("Số quyết định", "Decision number"), relevant=decided)
        sheet.add(
            "date",
            "decision_date",
            Text("Ngày quyết định", "Decision date"),
            relevant=decided,
            constraint=". <= today()",
            message=Text(
                "Ngày quyết định không sau hôm nay", "The decision date cannot be after today"
            ),
        )
        sheet.select(
            "issuer",
            "decision_issuer",
            Text("Cơ quan ra quyết định", "Issued by"),
            relevant=decided,
        )
        sheet.select(
            "yes_no",
            "board_hkh_chair",
            Text(
                "Chủ tịch Hội Khuyến học xã tham gia Ban giám đốc",
                "The commune association chair sits on the board",
            ),
            required=True,
        )
        sheet.select(
            "yes_no",
            "annual_plan",
            Text("Có kế hoạch hoạt động năm ${eval_year}", "Has a plan for ${eval_year}"),
            required=True,
        )
        numbers.integer(
            "n_staff",
            Text("Số cán bộ, giáo viên, cộng tác viên", "Staff, teachers and volunteers"),
            maximum=200,
        )
        numbers.integer(
            "staff_ict_trained",
            Text("Số cán bộ được tập huấn tin học", "Staff trained in ICT"),
            maximum=200,
            at_most=("n_staff", Text("số cán bộ", "the number of staff")),
        )
    with sheet.group("facilities", Text("Cơ sở vật chất", "Facilities"), appearance=FIELD_LIST):
        sheet.select("site", "site", Text("Địa điểm", "Site"), required=True)
        numbers.integer("classrooms", Text("Số phòng học", "Classrooms"), maximum=50, required=True)
        sheet.select(
            "yes_no",
            "library",
            Text("Có thư viện hoặc tủ sách", "Has a library or bookcase"),
            required=True,
        )
        numbers.integer("computers", Text("Số máy tính", "Computers"), maximum=200, required=True)
        sheet.select(
            "yes_no", "internet", Text("Có kết nối internet", "Has internet access"), required=True
        )


def _activities(sheet: FormSheet, numbers: _Numbers) -> None:
    with sheet.group(
        "activities", Text("Hoạt động năm ${eval_year}", "Activities in ${eval_year}")
    ):
        sheet.select(
            "yes_no",
            "needs_survey",
            Text(
                "Đã khảo sát nhu cầu học tập của người dân",
                "Surveyed the residents' learning needs",
            ),
            required=True,
        )
        sheet.add(
            "date",
            "needs_survey_date",
            Text("Ngày khảo sát", "Survey date"),
            relevant="${needs_survey} = 'yes'",
            constraint=". <= today() and number(format-date(., '%Y')) <= ${eval_year}",
            message=Text(
                "Ngày khảo sát không sau hôm nay và không sau năm ${eval_year}",
                "The survey date cannot be after today nor after ${eval_year}",
            ),
        )
        learners = ("cl_learners", Text("số học viên", "the number of learners"))
        start, end = Text("Ngày bắt đầu", "Start date"), Text("Ngày kết thúc", "End date")
        with sheet.repeat(
            "classes", Text("Lớp học, chuyên đề", "Class or topic session"), appearance=FIELD_LIST
        ):
            sheet.select("topic", "cl_topic", Text("Chủ đề", "Topic"), required=True)
            sheet.add("text", "cl_title", Text("Tên lớp, chuyên đề", "Title"), required=True)
            constraint, message = _in_year(start, start=True)
            sheet.add(
                "date", "cl_start", start, required=True, constraint=constraint, message=message
            )
            constraint, message = _in_year(end, start=False)
            sheet.add("date", "cl_end", end, required=True, constraint=constraint, message=message)
            sheet.add(
                "decimal",
                "cl_hours",
                Text("Số giờ học", "Hours of teaching"),
                required=True,
                constraint=". > 0 and . <= 1000",
                message=Text(
                    f"Số giờ lớn hơn 0, tối đa {format_number(1000)}",
                    f"Hours above 0, at most {format_number(1000, 'en')}",
                ),
            )
            numbers.integer("cl_learners", Text("Số học viên", "Learners"))
            numbers.integer("cl_female", Text("Trong đó nữ", "Of whom women"), at_most=learners)
            numbers.integer(
                "cl_ethnic",
                Text("Trong đó người dân tộc thiểu số", "Of whom ethnic-minority people"),
                at_most=learners,
            )
            sheet.select(
                "partner",
                "cl_partner",
                Text("Đơn vị phối hợp", "Partner organisation"),
                required=True,
            )
            sheet.calculate("cl_learners_n", "coalesce(${cl_learners}, 0)")
            sheet.calculate("cl_unknown", "if(${cl_learners} >= 0, 0, 1)")
        # The sum of every class (NaN when one is not known: then no bound on completions),
        # and what the surveyor is shown: the sum of the known ones and how many are not.
        sheet.calculate("learners_total", "sum(${cl_learners})")
        sheet.calculate("learners_known", "sum(${cl_learners_n})")
        sheet.calculate("classes_unknown", "sum(${cl_unknown})")
        sheet.note(
            "learners_note",
            Text(
                "Tổng lượt học viên: ${learners_known} (số lớp chưa rõ số học viên: "
                "${classes_unknown})",
                "Total learner attendances: ${learners_known} (classes whose number of "
                "learners is unknown: ${classes_unknown})",
            ),
        )
        numbers.integer(
            "n_completed",
            Text("Số học viên hoàn thành khóa học", "Learners who completed their course"),
            maximum=100_000,
            at_most=("learners_total", Text("tổng lượt học viên", "the total attendances")),
        )
        sheet.add(
            "text",
            "outcomes",
            Text("Kết quả, chuyển biến sau học tập", "Outcomes and changes after learning"),
        )


def _finance_ict_links(sheet: FormSheet, numbers: _Numbers) -> None:
    with sheet.group(
        "finance",
        Text("Tài chính năm ${eval_year}", "Finance in ${eval_year}"),
        appearance=FIELD_LIST,
    ):
        numbers.money("fin_state", Text("Ngân sách nhà nước cấp", "State budget"))
        numbers.money(
            "fin_programme",
            Text("Kinh phí chương trình, dự án", "Programme and project funds"),
        )
        numbers.money(
            "fin_contrib",
            Text("Đóng góp của tổ chức, cá nhân", "Contributions from organisations and people"),
        )
        numbers.money("fin_spent", Text("Tổng chi", "Total spending"))
        sheet.select(
            "yes_no",
            "finance_public",
            Text("Công khai thu chi", "Income and spending are published"),
            required=True,
        )
    with sheet.group("ict", Text("Công nghệ thông tin", "ICT")):
        sheet.select(
            "yes_no",
            "online_learning",
            Text(
                "Có hoạt động học tập trực tuyến hoặc ứng dụng CNTT",
                "Online learning or ICT-based activities take place",
            ),
            required=True,
        )
    with sheet.group(
        "links", Text("Liên kết với các danh hiệu", "Links to the titles"), appearance=FIELD_LIST
    ):
        for name, label in (
            (
                "n_families_recognised",
                Text("Số Gia đình học tập trên địa bàn", "Learning Families in the area"),
            ),
            (
                "n_clans_recognised",
                Text("Số Dòng họ học tập trên địa bàn", "Learning Clans in the area"),
            ),
            (
                "n_communities_recognised",
                Text("Số Cộng đồng học tập (thôn, bản)", "Learning Communities (villages)"),
            ),
        ):
            numbers.integer(name, label, maximum=100_000)
    with sheet.group("evidence", Text("Minh chứng", "Evidence"), appearance=FIELD_LIST):
        sheet.add(
            "image",
            "photo",
            Text("Ảnh Trung tâm hoặc lớp học", "Photo of the centre or a class"),
            parameters="max-pixels=1024",
        )
        sheet.add("geopoint", "gps", Text("Vị trí GPS của Trung tâm", "GPS position of the centre"))


def region_expression(ref: Reference) -> str:
    """The commune's area class of QĐ 861/QĐ-TTg (I, II or III), which sets the minimum
    state funding of TT 96/2008 (item 4a): known for the units of 2021–2025 (era 2 dates
    from 2020-02-01), empty before, after the 2025 reform and where the class is unclear."""
    expression = "''"
    for region in ("III", "II", "I"):
        codes = sorted(u.code for u in ref.communes(2) if u.remote_class == region)
        if codes:
            listed = " " + " ".join(codes) + " "
            expression = (
                f"if(${{era}} = 2 and contains('{listed}', concat(' ', ${{commune}}, ' ')), "
                f"'{region}', {expression})"
            )
    return expression


def define(rubric: Rubric | None, ref: Reference) -> XLSFormData:
    assert rubric is not None
    sheet = FormSheet(
        FORM_ID,
        Text("Đánh giá Trung tâm học tập cộng đồng", "Community Learning Centre assessment"),
        VERSION,
    )
    add_metadata(sheet)
    add_yes_no(sheet)
    for list_name, items in (
        ("topic", TOPICS),
        ("partner", PARTNERS),
        ("site", SITES),
        ("issuer", ISSUERS),
    ):
        sheet.choice_list(list_name, items)
    add_evaluation_time(sheet)
    add_location(
        sheet,
        ref,
        village="optional",
        village_label=Text(
            "Thôn, bản nơi đặt Trung tâm (nếu có)", "Village where the centre is (if any)"
        ),
    )
    sheet.calculate("commune_region", region_expression(ref))
    numbers = _Numbers(sheet, scored_fields(rubric))
    _centre(sheet, numbers)
    _activities(sheet, numbers)
    _finance_ict_links(sheet, numbers)
    add_criteria(sheet, rubric)
    return sheet.to_xlsform("concat('TTHTCĐ-', ${eval_year}, '-', ${commune})")
