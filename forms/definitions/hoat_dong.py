"""`hoat_dong`: report of one activity of the plan (task codes 1.1–5.3 of QĐ 1150, II.3).

What happened, when (started in the plan year or the year after, ended by today), where,
with how many participants (women, ethnic minorities) and how many association cadres were
trained; a count the reporter does not know is left blank. There is no rubric: the form
carries the id and version of the plan's task list instead (`task_list_id`,
`task_list_version`), and its summary computes the task group and the counts the committee
reports on.
"""

from __future__ import annotations

from forms.definitions.common import (
    FIELD_LIST,
    add_count,
    add_evaluation_time,
    add_location,
    add_metadata,
    add_yes_no,
)
from forms.definitions.sheet import FormSheet, xpath_string
from forms.reference import Reference
from forms.rubric import Rubric
from forms.text import Text
from forms.xlsform import XLSFormData

FORM_ID = "hoat_dong"
VERSION = "2026.1"
TASK_LIST_ID = "ke_hoach_1150"
TASK_LIST_VERSION = "2014-07-14"
MAX_PEOPLE = 100_000

ACTIVITY_TYPES = (
    ("workshop", Text("Hội thảo", "Workshop")),
    ("conference", Text("Hội nghị", "Conference")),
    ("training", Text("Tập huấn", "Training")),
    ("supervision", Text("Giám sát, kiểm tra", "Supervision or inspection")),
    ("communication", Text("Tuyên truyền, họp báo", "Communication or press")),
    ("publication", Text("Biên soạn, xuất bản tài liệu", "Writing or publishing material")),
    ("survey", Text("Khảo sát", "Survey")),
    ("evaluation", Text("Đánh giá, công nhận danh hiệu", "Evaluation and recognition")),
    ("celebration", Text("Đại hội, biểu dương", "Congress or honours")),
    ("other", Text("Hoạt động khác", "Other activity")),
)
LEVELS = (
    ("province", Text("Cấp tỉnh", "Province level")),
    (
        "district",
        Text(
            "Cấp huyện (huyện cũ từ 01/7/2025)", "District level (former district from 1 July 2025)"
        ),
    ),
    ("commune", Text("Cấp xã", "Commune level")),
)
ORGANISERS = (
    ("hkh_province", Text("Hội Khuyến học tỉnh", "Provincial study-promotion association")),
    ("hkh_district", Text("Hội Khuyến học huyện", "District study-promotion association")),
    ("hkh_commune", Text("Hội Khuyến học xã", "Commune study-promotion association")),
    ("education", Text("Sở, Phòng Giáo dục và Đào tạo", "Department or office of education")),
    ("committee", Text("Ủy ban nhân dân", "People's Committee")),
    ("front", Text("Mặt trận Tổ quốc", "Fatherland Front")),
    ("mass_org", Text("Hội, đoàn thể khác", "Other mass organisation")),
    ("media", Text("Báo, đài", "Press, radio or television")),
    ("other", Text("Đơn vị khác", "Other organisation")),
)
TRAINING_TYPES = ("training", "workshop", "conference")


def _participants(sheet: FormSheet) -> None:
    """Head counts, each optional (blank: unknown), the parts not above the total."""
    total = ("n_participants", Text("số người tham gia", "the number of participants"))
    with sheet.group("participants", Text("Người tham gia", "Participants"), appearance=FIELD_LIST):
        add_count(
            sheet, "n_participants", Text("Số người tham gia", "Participants"), maximum=MAX_PEOPLE
        )
        for name, label in (
            ("n_female", Text("Trong đó nữ", "Of whom women")),
            ("n_ethnic", Text("Trong đó người dân tộc thiểu số", "Of whom ethnic-minority people")),
        ):
            add_count(sheet, name, label, maximum=MAX_PEOPLE, bound=total)
        types = " or ".join(f"${{activity_type}} = '{t}'" for t in TRAINING_TYPES)
        add_count(
            sheet,
            "n_cadres_trained",
            Text(
                "Số cán bộ, hội viên Hội Khuyến học được tập huấn",
                "Association cadres and members trained",
            ),
            maximum=MAX_PEOPLE,
            bound=total,
            relevant=types,
        )


def define(rubric: Rubric | None, ref: Reference) -> XLSFormData:
    sheet = FormSheet(
        FORM_ID,
        Text("Báo cáo hoạt động theo Kế hoạch 1150", "Activity report (plan 1150)"),
        VERSION,
    )
    add_metadata(sheet)
    add_yes_no(sheet)
    sheet.choice_list(
        "task",
        [
            (t.code, Text(f"{t.code} — {t.activity.vi}", f"{t.code} — {t.activity.en}"))
            for t in ref.tasks
        ],
    )
    for list_name, items in (
        ("activity_type", ACTIVITY_TYPES),
        ("level", LEVELS),
        ("organiser", ORGANISERS),
    ):
        sheet.choice_list(list_name, items)
    add_evaluation_time(
        sheet,
        date_label=Text("Ngày bắt đầu hoạt động", "Start date of the activity"),
        year_label=Text("Năm kế hoạch", "Plan year"),
        year_hint=Text(
            "Năm của kế hoạch mà hoạt động thuộc về: năm bắt đầu hoạt động hoặc năm trước đó",
            "The plan year the activity belongs to: the year it started or the year before",
        ),
        year_lag=1,
    )
    with sheet.group("activity", Text("Hoạt động", "Activity"), appearance=FIELD_LIST):
        sheet.select(
            "task",
            "task_code",
            Text("Mã hoạt động trong kế hoạch (1.1–5.3)", "Activity code in the plan (1.1–5.3)"),
            required=True,
        )
        sheet.select(
            "activity_type",
            "activity_type",
            Text("Loại hoạt động", "Kind of activity"),
            required=True,
        )
        sheet.add(
            "text", "act_title", Text("Tên hoạt động", "Title of the activity"), required=True
        )
        sheet.add(
            "date",
            "act_end",
            Text("Ngày kết thúc", "End date"),
            required=True,
            constraint=". >= ${eval_date} and . <= today()",
            message=Text(
                "Ngày kết thúc không trước ngày bắt đầu và không sau hôm nay",
                "The end date cannot be before the start date nor after today",
            ),
        )
        sheet.select("level", "level", Text("Cấp tổ chức", "Level"), required=True)
        sheet.multiple(
            "organiser",
            "organisers",
            Text("Đơn vị tổ chức, phối hợp", "Organisers and partners"),
            required=True,
        )
    add_location(
        sheet,
        ref,
        village="optional",
        relevant="${level} != 'province'",
        commune_relevant="${level} = 'commune'",
    )
    with sheet.group("place_group", Text("Địa điểm", "Place")):
        sheet.add("text", "place", Text("Nơi tổ chức", "Venue"), required=True)
    _participants(sheet)
    with sheet.group("evidence", Text("Minh chứng", "Evidence"), appearance=FIELD_LIST):
        sheet.add(
            "image",
            "photo",
            Text("Ảnh hoạt động", "Photo of the activity"),
            parameters="max-pixels=1024",
        )
        sheet.add("geopoint", "gps", Text("Vị trí GPS", "GPS position"))
        sheet.add("text", "notes", Text("Ghi chú", "Notes"))
    sheet.calculate("task_group", "substring-before(${task_code}, '.')")
    types = " or ".join(f"${{activity_type}} = '{t}'" for t in TRAINING_TYPES)
    sheet.calculate("cadres_trained", f"if({types}, ${{n_cadres_trained}}, 0)")
    sheet.calculate("task_list_id", xpath_string(TASK_LIST_ID))
    sheet.calculate("task_list_version", xpath_string(TASK_LIST_VERSION))
    with sheet.group("summary", Text("Tóm tắt", "Summary")):
        sheet.note(
            "activity_summary",
            Text(
                "Nhiệm vụ ${task_group}, hoạt động ${task_code}: ${n_participants} người tham gia "
                "(nữ ${n_female}, dân tộc thiểu số ${n_ethnic}); cán bộ được tập huấn: "
                "${cadres_trained}",
                "Task ${task_group}, activity ${task_code}: ${n_participants} participants "
                "(${n_female} women, ${n_ethnic} ethnic-minority people); cadres trained: "
                "${cadres_trained}",
            ),
        )
    return sheet.to_xlsform("concat('HĐ-', ${task_code}, '-', ${eval_date}, ' ', ${act_title})")
