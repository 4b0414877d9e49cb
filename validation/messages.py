"""Coded messages of the validation (VAL...), in Vietnamese and English.

- VAL001–VAL003: review decisions (`htsd review`)
- VAL004: writing the data-quality page (`htsd validate --html`)
"""

from __future__ import annotations

from forms.errors import ErrorCode, HtsdError, Message


class ValidationCode(ErrorCode):
    """Codes of the validation and the review of held submissions."""

    UNKNOWN_SUBMISSION = (
        "VAL001",
        Message(
            "kho dữ liệu không có bản ghi hiện hành _id {submission}{scope}",
            "the warehouse holds no current submission with _id {submission}{scope}",
            "kiểm tra số _id (htsd review list liệt kê các bản ghi đang bị giữ lại)",
            "check the _id (htsd review list shows the held submissions)",
        ),
    )
    AMBIGUOUS_SUBMISSION = (
        "VAL002",
        Message(
            "_id {submission} có ở nhiều dự án: {assets}",
            "_id {submission} exists in several assets: {assets}",
            "chọn dự án bằng --asset (tên biểu mẫu hoặc mã dự án)",
            "choose the asset with --asset (form name or asset uid)",
        ),
    )
    NO_REASON = (
        "VAL003",
        Message(
            "quyết định chưa có lý do",
            "the decision has no reason",
            'ghi lý do bằng --reason "..." (ai đọc sau cần biết vì sao)',
            'give the reason with --reason "..." (whoever reads it later needs to know why)',
        ),
    )
    PAGE_UNWRITABLE = (
        "VAL004",
        Message(
            "không ghi được trang chất lượng dữ liệu: {detail}",
            "cannot write the data-quality page: {detail}",
            "kiểm tra thư mục chứa có tồn tại và ghi được, hoặc chọn chỗ khác cho --html",
            "check that the folder exists and is writable, or choose another path for --html",
        ),
    )


class ValidationError(HtsdError):
    """A review or validation request a data manager must correct."""
