"""Coded messages of the committee's report renderings (RPT...), in Vietnamese and English.

- RPT001, RPT003–RPT004: printing the report to PDF with headless Chromium
- RPT002: writing the report's files
"""

from __future__ import annotations

from forms.errors import ErrorCode, HtsdError, Message


class ReportCode(ErrorCode):
    """Codes of the report's renderings."""

    NO_CHROMIUM = (
        "RPT001",
        Message(
            "không tìm thấy Chromium (lệnh chromium) để in báo cáo ra PDF",
            "Chromium (the chromium command) is not found to print the report to PDF",
            "chạy make sysdeps (cài gói Debian chromium)",
            "run make sysdeps (installs the Debian package chromium)",
        ),
    )
    OUTPUT_UNWRITABLE = (
        "RPT002",
        Message(
            "không ghi được báo cáo vào {path}: {detail}",
            "cannot write the report to {path}: {detail}",
            "kiểm tra thư mục có ghi được và còn chỗ trống, hoặc chọn thư mục khác",
            "check that the folder is writable and has free space, or choose another folder",
        ),
    )
    NO_PLAYWRIGHT = (
        "RPT003",
        Message(
            "chưa cài Playwright cho Python, cần để in báo cáo ra PDF",
            "Playwright for Python, needed to print the report to PDF, is not installed",
            "chạy make install",
            "run make install",
        ),
    )
    PDF_FAILED = (
        "RPT004",
        Message(
            "Chromium không in được báo cáo ra PDF: {detail}",
            "Chromium could not print the report to PDF: {detail}",
            "chạy lại; nếu vẫn lỗi, chạy make sysdeps để cài lại gói Debian chromium",
            "run it again; if it fails again, run make sysdeps to reinstall the Debian "
            "package chromium",
        ),
    )


class ReportError(HtsdError):
    """The report could not be written or printed: something to install or fix first."""
