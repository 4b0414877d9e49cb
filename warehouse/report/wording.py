"""The fixed words of the report's renderings (HTML, PDF, Excel, charts) in Vietnamese and
English, and how its numbers are written: counts with `format_number`, rates and targets as
percentages with one decimal ("55,3%" / "55.3%"). Only labels: every figure comes from
`ReportData`."""

from __future__ import annotations

from forms.text import Text, format_number

from .data import REMOTE, UNRESOLVED

WORDS: dict[str, Text] = {
    # the page
    "report": Text(
        "Báo cáo kết quả xây dựng các mô hình học tập năm {year}",
        "Report on the learning models, {year}",
    ),
    "committee": Text(
        "Ban Chỉ đạo xây dựng xã hội học tập", "Steering Committee for the learning society"
    ),
    "units": Text("Đơn vị hành chính", "Administrative units"),
    "data_as_of": Text("Số liệu tính đến", "Data as of"),
    "provisional_legend": Text(
        "* Số liệu tạm tính: chấm theo tiêu chí hoặc điểm chuẩn tạm thời",
        "* Provisional figure: scored with provisional criteria or pass mark",
    ),
    "provisional": Text("tạm tính", "provisional"),
    # sections
    "headline": Text("Kết quả chung toàn tỉnh", "Province results"),
    "charts": Text("Tỷ lệ đạt danh hiệu so với chỉ tiêu", "Recognition rates against targets"),
    "districts": Text("Kết quả theo huyện", "Results by district"),
    "communes": Text("Kết quả theo xã", "Results by commune"),
    "clc": Text("Đánh giá Trung tâm học tập cộng đồng", "Community Learning Centre assessment"),
    "activities": Text("Tiến độ các hoạt động của kế hoạch", "Progress of the plan's activities"),
    "training": Text("Tập huấn cán bộ Hội Khuyến học", "Training of association cadres"),
    "trend": Text("Diễn biến qua các năm", "Trend over the years"),
    "caveats": Text("Lưu ý về chất lượng số liệu", "Data-quality caveats"),
    "targets": Text("Văn bản quy định chỉ tiêu", "Target document"),
    "about": Text("Thông tin", "About"),
    # workbook sheets (at most 31 characters)
    "sheet_headline": Text("Toàn tỉnh", "Province"),
    "sheet_districts": Text("Theo huyện", "Districts"),
    "sheet_communes": Text("Theo xã", "Communes"),
    "sheet_clc": Text("TTHTCĐ", "CLC"),
    "sheet_activities": Text("Hoạt động", "Activities"),
    "sheet_training": Text("Tập huấn", "Training"),
    "sheet_trend": Text("Diễn biến", "Trend"),
    "sheet_caveats": Text("Lưu ý", "Caveats"),
    # columns
    "title": Text("Danh hiệu", "Title"),
    "unit": Text("Đơn vị", "Unit"),
    "district": Text("Huyện", "District"),
    "commune": Text("Xã", "Commune"),
    "code": Text("Mã", "Code"),
    "evaluated": Text("Đã đánh giá", "Evaluated"),
    "recognised": Text("Đạt danh hiệu", "Recognised"),
    "denominator": Text("Tổng số (mẫu số)", "Denominator"),
    "rate": Text("Tỷ lệ", "Rate"),
    "rate_pct": Text("Tỷ lệ (%)", "Rate (%)"),
    "target": Text("Chỉ tiêu", "Target"),
    "target_pct": Text("Chỉ tiêu (%)", "Target (%)"),
    "result": Text("Kết quả", "Result"),
    "region": Text("Khu vực (QĐ 861)", "Region (QĐ 861)"),
    "target_kind": Text("Chỉ tiêu áp dụng", "Target applied"),
    "score_pct": Text("Điểm (%)", "Score (%)"),
    "class": Text("Xếp loại", "Class"),
    "task": Text("Nhiệm vụ", "Task"),
    "activity": Text("Hoạt động", "Activity"),
    "period": Text("Thời gian", "Period"),
    "status": Text("Tình trạng", "Status"),
    "reports": Text("Số báo cáo", "Reports"),
    "participants": Text("Số người tham gia", "Participants"),
    "last_date": Text("Lần gần nhất", "Latest"),
    "cadres": Text("Số cán bộ", "Cadres"),
    "trained": Text("Đã tập huấn", "Trained"),
    "year": Text("Năm", "Year"),
    "rule": Text("Quy tắc", "Rule"),
    "count": Text("Số lượng", "Count"),
    "kind": Text("Loại", "Kind"),
    "note": Text("Ghi chú", "Note"),
    "document": Text("Văn bản", "Document"),
    "remote_reading": Text("Chỉ tiêu xã khu vực III", "Target of region III communes"),
    "item": Text("Mục", "Item"),
    "value": Text("Giá trị", "Value"),
    "province": Text("Tỉnh", "Province"),
    # values
    "achieved": Text("Đạt", "Achieved"),
    "not_achieved": Text("Chưa đạt", "Not achieved"),
    "no_denominator": Text("không có mẫu số", "no denominator"),
    "no_target": Text("chưa có chỉ tiêu", "no target"),
    "assessed": Text("Đã đánh giá", "Assessed"),
    "not_assessed": Text("chưa đánh giá", "not assessed"),
    "yes": Text("Có", "Yes"),
    "held": Text("Phiếu bị giữ lại, không tính vào kết quả", "Submissions held out, not counted"),
    "remote": Text("xã khu vực III (chỉ tiêu riêng)", "region III commune (own target)"),
    "unresolved": Text(
        "chưa xác định khu vực, tính theo chỉ tiêu chung",
        "region unresolved, counted with the general target",
    ),
    "general": Text("chung", "general"),
    "done": Text("Đã thực hiện", "Done"),
    "late": Text("Chậm tiến độ", "Late"),
    "not_started": Text("Chưa thực hiện", "Not started"),
    "scheduled": Text("Chưa đến hạn", "Scheduled"),
    "trend_units": Text("Đơn vị của các năm", "Units of the years"),
}

# QĐ 861 region classes of a commune, as the report names them.
REGIONS: dict[str, Text] = {
    "I": Text.same("I"),
    "II": Text.same("II"),
    "III": Text.same("III"),
    "I_or_II": Text("I hoặc II", "I or II"),
    "unknown": Text("chưa rõ", "unknown"),
}

STATUSES = ("done", "late", "not_started", "scheduled")
TARGET_KINDS = (REMOTE, UNRESOLVED)


def words(lang: str) -> dict[str, str]:
    """Every fixed word in one language."""
    return {key: text.get(lang) for key, text in WORDS.items()}


def region(value: str | None, lang: str) -> str:
    """A commune's QĐ 861 class as shown ("" when none)."""
    if value is None:
        return ""
    text = REGIONS.get(value)
    return text.get(lang) if text else value


def number(value: float | None, lang: str) -> str:
    """A count or score as people write it ("" for none)."""
    return "" if value is None else format_number(value, lang)


def percent(value: float | None, lang: str) -> str:
    """A rate or target in percent with one decimal: "55,3%" / "55.3%" ("" for none)."""
    if value is None:
        return ""
    text = format_number(round(value, 1), lang)
    point = "," if lang == "vi" else "."
    return f"{text if point in text else text + point + '0'}%"


def file_stem(year: int, lang: str) -> str:
    """The report's file name without extension: `bao-cao-2024` / `report-2024`."""
    return f"{'report' if lang == 'en' else 'bao-cao'}-{year}"
