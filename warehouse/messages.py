"""Coded messages of the warehouse's typed tables (WH...), in Vietnamese and English.

- WH001–WH002: loading and rebuilding (nothing stored for an asset)
- WH003–WH004: comparing form versions (`htsd forms drift`)
- WH005–WH008: exporting a form's answers with labels (`htsd export`)
"""

from __future__ import annotations

from forms.errors import ErrorCode, HtsdError, Message


class WarehouseCode(ErrorCode):
    """Codes of the typed tables."""

    NO_CONTENT = (
        "WH001",
        Message(
            "chưa lưu nội dung biểu mẫu nào của dự án {asset}",
            "no form content is stored for asset {asset}",
            "chạy htsd sync --asset {asset} trước",
            "run htsd sync --asset {asset} first",
        ),
    )
    NO_DATA = (
        "WH002",
        Message(
            "kho dữ liệu chưa có gì của dự án {asset}",
            "the warehouse holds nothing for asset {asset}",
            "kiểm tra mã dự án (htsd status liệt kê các dự án), hoặc chạy htsd sync trước",
            "check the asset uid (htsd status lists the assets), or run htsd sync first",
        ),
    )
    UNKNOWN_VERSION = (
        "WH003",
        Message(
            "phiên bản '{version}' của dự án {asset} không có trong kho",
            "version '{version}' of asset {asset} is not in the warehouse",
            "các phiên bản đã lưu: {known}",
            "stored versions: {known}",
        ),
    )
    ONE_VERSION = (
        "WH004",
        Message(
            "dự án {asset} mới có {count} phiên bản được lưu, cần hai để so sánh",
            "asset {asset} has {count} stored version(s); two are needed to compare",
            "chạy htsd sync sau khi có dữ liệu của phiên bản mới, hoặc dùng --from và --to",
            "run htsd sync once the new version has data, or give --from and --to",
        ),
    )
    UNKNOWN_FORM = (
        "WH005",
        Message(
            "kho dữ liệu không có biểu mẫu hay dự án '{form}'",
            "the warehouse holds no form or asset '{form}'",
            "dùng tên biểu mẫu hoặc mã dự án đã nạp: {known}",
            "give a loaded form name or asset uid: {known}",
        ),
    )
    AMBIGUOUS_FORM = (
        "WH006",
        Message(
            "tên '{form}' ứng với nhiều dự án: {assets}",
            "'{form}' names several assets: {assets}",
            "dùng mã dự án (asset uid) thay cho tên biểu mẫu",
            "give the asset uid instead of the form name",
        ),
    )
    NO_ANSWERS = (
        "WH007",
        Message(
            "biểu mẫu {form} chưa có bản ghi hiện hành nào trong kho",
            "form {form} has no current submissions in the warehouse",
            "chạy htsd sync (hoặc htsd import) trước; htsd status cho biết kho đang có gì",
            "run htsd sync (or htsd import) first; htsd status shows what the warehouse holds",
        ),
    )
    EXPORT_UNWRITABLE = (
        "WH008",
        Message(
            "không ghi được tệp xuất: {detail}",
            "cannot write the export: {detail}",
            "kiểm tra thư mục chứa có tồn tại và ghi được, hoặc chọn chỗ khác bằng --out",
            "check that the folder exists and is writable, or choose another place with --out",
        ),
    )


class WarehouseError(HtsdError):
    """Something about the warehouse's content that a data manager must fix or run first."""
