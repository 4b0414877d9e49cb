"""`clc_assessment`: the state of a commune's Community Learning Centre (TTHTCĐ) in a year.

Legal status, management and staff, facilities, the learning-needs survey, the classes held
(a repeat), learners and outcomes, finance, ICT, links to the titles, photo evidence and GPS;
then the province's provisional CLC index, mostly derived from those answers.
"""

from __future__ import annotations

from forms.definitions.common import add_evaluation_time, add_location, add_metadata, add_yes_no
from forms.definitions.criteria import add_criteria
from forms.definitions.sheet import FormSheet
from forms.reference import Reference
from forms.rubric import Rubric
from forms.text import Text
from forms.xlsform import XLSFormData

FORM_ID = "clc_assessment"
VERSION = "2025.1"

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
NONNEGATIVE = Text("Số không âm", "A number of zero or more")


def _integer(
    sheet: FormSheet,
    name: str,
    label: Text,
    *,
    maximum: int = 1000,
    relevant: str | None = None,
    at_most: tuple[str, Text] | None = None,
) -> None:
    constraint = f". >= 0 and . <= {maximum}"
    message = Text(f"Số từ 0 đến {maximum}", f"A number from 0 to {maximum}")
    if at_most:
        constraint += f" and . <= ${{{at_most[0]}}}"
        message = Text(
            f"Số từ 0, không lớn hơn {at_most[1].vi}",
            f"A number from 0, not more than {at_most[1].en}",
        )
    sheet.add(
        "integer",
        name,
        label,
        required=True,
        relevant=relevant,
        constraint=constraint,
        message=message,
    )


def _money(sheet: FormSheet, name: str, label: Text) -> None:
    sheet.add(
        "integer",
        name,
        label,
        required=True,
        constraint=". >= 0",
        message=NONNEGATIVE,
        hint=Text("Đồng; ghi 0 nếu không có", "Vietnamese đồng; 0 if none"),
    )


def _centre(sheet: FormSheet) -> None:
    with sheet.group("legal", Text("Pháp lý và tổ chức", "Legal status and organisation")):
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
            Text("Có kế hoạch hoạt động năm", "Has an annual plan"),
            required=True,
        )
        _integer(
            sheet,
            "n_staff",
            Text("Số cán bộ, giáo viên, cộng tác viên", "Staff, teachers and volunteers"),
            maximum=200,
        )
        _integer(
            sheet,
            "staff_ict_trained",
            Text("Số cán bộ được tập huấn tin học", "Staff trained in ICT"),
            maximum=200,
            at_most=("n_staff", Text("số cán bộ", "the number of staff")),
        )
    with sheet.group("facilities", Text("Cơ sở vật chất", "Facilities")):
        sheet.select("site", "site", Text("Địa điểm", "Site"), required=True)
        _integer(sheet, "classrooms", Text("Số phòng học", "Classrooms"), maximum=50)
        sheet.select(
            "yes_no",
            "library",
            Text("Có thư viện hoặc tủ sách", "Has a library or bookcase"),
            required=True,
        )
        _integer(sheet, "computers", Text("Số máy tính", "Computers"), maximum=200)
        sheet.select(
            "yes_no", "internet", Text("Có kết nối internet", "Has internet access"), required=True
        )


def _activities(sheet: FormSheet) -> None:
    with sheet.group("activities", Text("Hoạt động trong năm", "Activities during the year")):
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
            constraint=". <= today()",
            message=Text(
                "Ngày khảo sát không sau hôm nay", "The survey date cannot be after today"
            ),
        )
        learners = ("cl_learners", Text("số học viên", "the number of learners"))
        with sheet.repeat("classes", Text("Lớp học, chuyên đề", "Class or topic session")):
            sheet.select("topic", "cl_topic", Text("Chủ đề", "Topic"), required=True)
            sheet.add("text", "cl_title", Text("Tên lớp, chuyên đề", "Title"), required=True)
            sheet.add("date", "cl_start", Text("Ngày bắt đầu", "Start date"), required=True)
            sheet.add(
                "date",
                "cl_end",
                Text("Ngày kết thúc", "End date"),
                required=True,
                constraint=". >= ${cl_start}",
                message=Text(
                    "Ngày kết thúc không trước ngày bắt đầu",
                    "The end date cannot be before the start date",
                ),
            )
            sheet.add(
                "decimal",
                "cl_hours",
                Text("Số giờ học", "Hours of teaching"),
                required=True,
                constraint=". > 0 and . <= 1000",
                message=Text("Số giờ lớn hơn 0, tối đa 1000", "Hours above 0, at most 1000"),
            )
            _integer(sheet, "cl_learners", Text("Số học viên", "Learners"))
            _integer(sheet, "cl_female", Text("Trong đó nữ", "Of whom women"), at_most=learners)
            _integer(
                sheet,
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
        sheet.calculate("learners_total", "sum(${cl_learners})")
        sheet.note(
            "learners_note",
            Text(
                "Tổng lượt học viên: ${learners_total}",
                "Total learner attendances: ${learners_total}",
            ),
        )
        _integer(
            sheet,
            "n_completed",
            Text("Số học viên hoàn thành khóa học", "Learners who completed their course"),
            maximum=100000,
            at_most=("learners_total", Text("tổng lượt học viên", "the total attendances")),
        )
        sheet.add(
            "text",
            "outcomes",
            Text("Kết quả, chuyển biến sau học tập", "Outcomes and changes after learning"),
        )


def _finance_ict_links(sheet: FormSheet) -> None:
    with sheet.group("finance", Text("Tài chính trong năm", "Finance during the year")):
        _money(sheet, "fin_state", Text("Ngân sách nhà nước cấp", "State budget"))
        _money(
            sheet,
            "fin_programme",
            Text("Kinh phí chương trình, dự án", "Programme and project funds"),
        )
        _money(
            sheet,
            "fin_contrib",
            Text("Đóng góp của tổ chức, cá nhân", "Contributions from organisations and people"),
        )
        _money(sheet, "fin_spent", Text("Tổng chi", "Total spending"))
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
    with sheet.group("links", Text("Liên kết với các danh hiệu", "Links to the titles")):
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
            _integer(sheet, name, label, maximum=100000)
    with sheet.group("evidence", Text("Minh chứng", "Evidence")):
        sheet.add(
            "image",
            "photo",
            Text("Ảnh Trung tâm hoặc lớp học", "Photo of the centre or a class"),
            parameters="max-pixels=1024",
        )
        sheet.add("geopoint", "gps", Text("Vị trí GPS của Trung tâm", "GPS position of the centre"))


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
    _centre(sheet)
    _activities(sheet)
    _finance_ict_links(sheet)
    add_criteria(sheet, rubric)
    return sheet.to_xlsform("concat('TTHTCĐ-', ${eval_year}, '-', ${commune})")
