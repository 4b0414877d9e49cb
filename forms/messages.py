"""Coded messages of the forms package (FRM...), in Vietnamese and English.

Every message names what is wrong; `where` (file and item) is given by the caller. Codes are
stable: tests, documentation and data managers refer to them.

- FRM001–FRM019: rubric files (forms/criteria/*.yaml)
- FRM020–FRM029: reference files (forms/reference/*.csv)
- FRM030–FRM039: building forms
- FRM040–FRM049: XLSForm files and KoboToolbox content
"""

from __future__ import annotations

from forms.errors import ErrorCode, HtsdError, Message


class FormsError(HtsdError):
    """A problem in the programme's data or forms that a data manager must fix."""


class FormsCode(ErrorCode):
    """Codes of the forms package."""

    PROBLEMS_FOUND = (
        "FRM000",
        Message(
            "có {count} lỗi trong tiêu chí, danh mục hoặc biểu mẫu",
            "{count} problem(s) in the rubrics, reference data or forms",
            "sửa từng lỗi đã liệt kê ở trên rồi chạy lại htsd forms check",
            "fix each problem listed above, then run htsd forms check again",
        ),
    )
    POINTS_MISMATCH = (
        "FRM001",
        Message(
            "điểm không khớp: {what} cộng lại được {actual} điểm, nhưng khai báo {declared} điểm",
            "points do not add up: {what} add up to {actual} points but {declared} are declared",
            "sửa max_points của các chỉ tiêu hoặc của nhóm/tổng cho khớp",
            "correct the max_points of the items or of the group/total so that they agree",
        ),
    )
    DUPLICATE_ID = (
        "FRM002",
        Message(
            "mã '{id}' bị trùng ({kind})",
            "duplicate id '{id}' ({kind})",
            "đặt cho mỗi {kind} một mã riêng",
            "give each {kind} its own id",
        ),
    )
    UNKNOWN_ANSWER_TYPE = (
        "FRM003",
        Message(
            "kiểu trả lời không hợp lệ '{answer}'",
            "unknown answer type '{answer}'",
            "dùng một trong: {allowed}",
            "use one of: {allowed}",
        ),
    )
    CHOICE_LABEL_MISSING = (
        "FRM004",
        Message(
            "lựa chọn '{choice}' thiếu nhãn tiếng {language}",
            "choice '{choice}' has no label in {language}",
            "thêm nhãn cho cả tiếng Việt (vi) và tiếng Anh (en)",
            "add the label in both Vietnamese (vi) and English (en)",
        ),
    )
    TEXT_MISSING = (
        "FRM005",
        Message(
            "thiếu nội dung tiếng {language} cho {what}",
            "{what} has no {language} text",
            "ghi nội dung bằng cả tiếng Việt (vi) và tiếng Anh (en)",
            "write the text in both Vietnamese (vi) and English (en)",
        ),
    )
    STATUS_UNMARKED = (
        "FRM006",
        Message(
            "{what} phải ghi rõ 'verified: <nguồn>' hoặc 'provisional: <điều Hội cần xác nhận>'"
            " (chỉ một trong hai)",
            "{what} must be marked 'verified: <source>' or 'provisional: <what the association "
            "must confirm>' (exactly one)",
            "thêm verified (kèm văn bản nguồn) hoặc provisional (kèm điều cần xác nhận)",
            "add verified (with the source document) or provisional (with what to confirm)",
        ),
    )
    RUBRIC_UNREADABLE = (
        "FRM007",
        Message(
            "không đọc được tệp tiêu chí: {detail}",
            "the rubric file cannot be read: {detail}",
            "sửa cú pháp YAML hoặc khóa đã nêu (xem các tệp mẫu trong forms/criteria/)",
            "fix the YAML syntax or the key given (see the files in forms/criteria/)",
        ),
    )
    BAD_THRESHOLD = (
        "FRM008",
        Message(
            "ngưỡng không hợp lệ: {detail}",
            "invalid threshold: {detail}",
            "sửa điểm chuẩn/xếp loại: xếp loại giảm dần, không vượt tổng điểm, thấp nhất bằng "
            "điểm chuẩn",
            "fix the pass mark or classes: classes descending, none above the total, the lowest "
            "equal to the pass mark",
        ),
    )
    BAD_DERIVATION = (
        "FRM009",
        Message(
            "quy tắc tự tính không hợp lệ: {detail}",
            "invalid derivation rule: {detail}",
            "dùng rule all_members, threshold hoặc conditions như trong forms/criteria/README.md",
            "use rule all_members, threshold or conditions as in forms/criteria/README.md",
        ),
    )
    RUBRIC_ID_MISMATCH = (
        "FRM010",
        Message(
            "mã tiêu chí '{id}' khác tên tệp '{file}'",
            "rubric id '{id}' differs from the file name '{file}'",
            "đặt id trùng với tên tệp (không có .yaml)",
            "make the id equal to the file name (without .yaml)",
        ),
    )
    RUBRIC_MISSING = (
        "FRM011",
        Message(
            "thiếu tệp tiêu chí '{id}'",
            "rubric '{id}' is missing",
            "khôi phục tệp {id}.yaml trong thư mục tiêu chí (mặc định forms/criteria/)",
            "restore {id}.yaml in the rubric folder (forms/criteria/ by default)",
        ),
    )
    UNKNOWN_KEY = (
        "FRM012",
        Message(
            "khóa không hợp lệ '{key}' trong {part}",
            "unknown key '{key}' in this {part}",
            "sửa chính tả hoặc bỏ khóa; các khóa được dùng: {allowed}",
            "correct its spelling or remove it; the keys allowed are: {allowed}",
        ),
    )
    DUPLICATE_KEY = (
        "FRM013",
        Message(
            "khóa '{key}' được ghi hai lần (YAML chỉ giữ lần sau)",
            "key '{key}' is written twice (YAML keeps only the second)",
            "giữ một khóa '{key}' và bỏ khóa còn lại",
            "keep one '{key}' and remove the other",
        ),
    )
    BAD_TEXT = (
        "FRM014",
        Message(
            "'{key}' phải gồm đúng hai nội dung, vi và en; đọc được: {found}",
            "'{key}' must be exactly two texts, vi and en; read as: {found}",
            'đặt nội dung có dấu phẩy, hai chấm hoặc ngoặc trong dấu nháy kép (vd. vi: "A, B"), '
            "hoặc viết mỗi ngôn ngữ một dòng",
            'put a text containing commas, colons or brackets in double quotes (e.g. vi: "A, B"), '
            "or write each language on its own line",
        ),
    )
    UNIT_COUNT = (
        "FRM020",
        Message(
            "danh mục {era} có {actual} đơn vị hành chính, cần {expected}",
            "the {era} list has {actual} administrative units, {expected} expected",
            "khôi phục tệp gốc (git checkout forms/reference/) hoặc sửa theo nghị quyết",
            "restore the original file (git checkout forms/reference/) or correct it from the "
            "resolution",
        ),
    )
    UNKNOWN_UNIT = (
        "FRM021",
        Message(
            "đơn vị {code} không có trong danh mục {era}",
            "unit {code} is not in the {era} list",
            "sửa mã đơn vị (mã GSO 5 chữ số) cho khớp danh mục",
            "correct the unit code (5-digit GSO code) to one of the list",
        ),
    )
    BAD_VALUE = (
        "FRM022",
        Message(
            "giá trị '{value}' không hợp lệ ở cột {column}",
            "invalid value '{value}' in column {column}",
            "dùng một trong: {allowed}",
            "use one of: {allowed}",
        ),
    )
    REFERENCE_UNREADABLE = (
        "FRM023",
        Message(
            "không đọc được tệp danh mục: {detail}",
            "the reference file cannot be read: {detail}",
            "kiểm tra tệp CSV (UTF-8, dòng tiêu đề đúng các cột: {columns})",
            "check the CSV file (UTF-8, a header row with the columns: {columns})",
        ),
    )
    UNKNOWN_FORM = (
        "FRM030",
        Message(
            "không có biểu mẫu '{form}'",
            "there is no form '{form}'",
            "dùng một trong: {allowed}",
            "use one of: {allowed}",
        ),
    )
    PYXFORM_FAILED = (
        "FRM031",
        Message(
            "pyxform không chuyển được biểu mẫu: {detail}",
            "pyxform cannot convert the form: {detail}",
            "sửa dòng đã nêu trong tiêu chí hoặc trong định nghĩa biểu mẫu",
            "fix the row named in the rubric or in the form definition",
        ),
    )
    ODK_VALIDATE_FAILED = (
        "FRM032",
        Message(
            "ODK Validate từ chối biểu mẫu: {detail}",
            "ODK Validate rejects the form: {detail}",
            "sửa biểu thức đã nêu; cần Java 17 để chạy ODK Validate",
            "fix the expression named; ODK Validate needs Java 17",
        ),
    )
    UNKNOWN_FIELD = (
        "FRM033",
        Message(
            "tiêu chí dùng trường '{field}' mà biểu mẫu không có",
            "the rubric uses field '{field}' which the form does not have",
            "sửa tên trường trong tiêu chí cho khớp biểu mẫu (xem htsd forms doc)",
            "correct the field name in the rubric to one of the form's (see htsd forms doc)",
        ),
    )
    DUPLICATE_FIELD = (
        "FRM034",
        Message(
            "tên trường '{name}' bị trùng trong biểu mẫu",
            "field name '{name}' is used twice in the form",
            "đổi mã chỉ tiêu (id) hoặc khai báo field riêng trong tiêu chí",
            "change the item id or give the item its own field in the rubric",
        ),
    )
    XLSFORM_UNREADABLE = (
        "FRM040",
        Message(
            "không đọc được tệp XLSForm: {detail}",
            "the XLSForm file cannot be read: {detail}",
            "mở bằng Excel/LibreOffice kiểm tra các trang survey, choices, settings",
            "open it in Excel/LibreOffice and check the survey, choices and settings sheets",
        ),
    )
    TRANSLATION_MISSING = (
        "FRM041",
        Message(
            "{column} thiếu bản tiếng {language}",
            "{column} has no {language} translation",
            "điền cột {column}::{language_name}",
            "fill in the column {column}::{language_name}",
        ),
    )
    BAD_KPI_CONTENT = (
        "FRM042",
        Message(
            "nội dung KoboToolbox không hợp lệ: {detail}",
            "invalid KoboToolbox content: {detail}",
            "lấy lại nội dung dự án từ /api/v2/assets/<uid>/ (trường content)",
            "fetch the project content again from /api/v2/assets/<uid>/ (the content field)",
        ),
    )
    UNBALANCED_GROUP = (
        "FRM043",
        Message(
            "nhóm hoặc lặp lại không khớp (begin/end) ở {detail}",
            "unbalanced group or repeat (begin/end) at {detail}",
            "thêm hoặc bỏ dòng end_group/end_repeat cho khớp",
            "add or remove the end_group/end_repeat row so that they match",
        ),
    )
    FILE_MISSING = (
        "FRM044",
        Message(
            "không có tệp {path}",
            "there is no file {path}",
            "kiểm tra tên và thư mục của tệp (lệnh chạy trong thư mục {cwd})",
            "check the file's name and folder (the command runs in {cwd})",
        ),
    )
