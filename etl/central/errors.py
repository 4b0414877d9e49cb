"""Coded messages for everything that can go wrong talking to an ODK Central server.

Exit codes (README): 1 for what a person must fix (credentials, access, a project or form
that is not there, a bad PROJECT/FORM), 3 for the server or network failing after retries.
No message ever holds the password or a session token.
"""

from __future__ import annotations

from forms.errors import ErrorCode, HtsdError, Message, RemoteError


class CentralError(HtsdError):
    """An ODK Central server refused a request, or the settings for it are wrong."""


class CentralUnavailable(CentralError, RemoteError):  # noqa: N818 - reads as what happened
    """The server kept failing (5xx, 429), could not be reached, or its listing stayed
    incomplete, after every retry."""


class CentralCode(ErrorCode):
    """Codes of the ODK Central client."""

    NO_CREDENTIALS = (
        "ODK001",
        Message(
            "chưa có {missing} của ODK Central",
            "no ODK Central {missing} is set",
            "đặt biến môi trường ODK_CENTRAL_URL, ODK_CENTRAL_USERNAME và ODK_CENTRAL_PASSWORD "
            "(hoặc tệp ~/.pyodk_config.toml của pyodk); không ghi mật khẩu trong htsd.toml",
            "set the ODK_CENTRAL_URL, ODK_CENTRAL_USERNAME and ODK_CENTRAL_PASSWORD "
            "environment variables (or pyodk's ~/.pyodk_config.toml); never put the password "
            "in htsd.toml",
        ),
    )
    BAD_URL = (
        "ODK002",
        Message(
            "địa chỉ máy chủ ODK Central '{url}' không hợp lệ",
            "the ODK Central address '{url}' is not valid",
            "đặt ODK_CENTRAL_URL là địa chỉ gốc, ví dụ https://central.example.org",
            "set ODK_CENTRAL_URL to the server's address, e.g. https://central.example.org",
        ),
    )
    BAD_FORM_REF = (
        "ODK003",
        Message(
            "'{value}' không phải DỰ_ÁN/BIỂU_MẪU",
            "'{value}' is not PROJECT/FORM",
            "ghi số dự án Central và mã biểu mẫu (xmlFormId), ví dụ --central 3/gia_dinh, "
            "hoặc khai [central] project và forms trong htsd.toml",
            "give the Central project number and the form id (xmlFormId), e.g. "
            "--central 3/gia_dinh, or set [central] project and forms in htsd.toml",
        ),
    )
    NO_FORMS = (
        "ODK004",
        Message(
            "không có biểu mẫu ODK Central nào để tải",
            "no ODK Central form to sync",
            "ghi --central DỰ_ÁN/BIỂU_MẪU, hoặc khai [central] project = 3 và "
            'forms = ["gia_dinh"] trong htsd.toml',
            'give --central PROJECT/FORM, or set [central] project = 3 and forms = ["gia_dinh"] '
            "in htsd.toml",
        ),
    )
    NO_PROJECT = (
        "ODK005",
        Message(
            "chưa chọn dự án ODK Central để triển khai",
            "no ODK Central project to deploy to",
            "khai [central] project = <số dự án> trong htsd.toml, hoặc --project",
            "set [central] project = <project number> in htsd.toml, or --project",
        ),
    )
    LOGIN_REFUSED = (
        "ODK401",
        Message(
            "máy chủ ODK Central từ chối đăng nhập của {user} ({detail})",
            "the ODK Central server refused the login of {user} ({detail})",
            "kiểm tra ODK_CENTRAL_USERNAME (địa chỉ email) và ODK_CENTRAL_PASSWORD của tài "
            "khoản trên chính máy chủ này (ODK_CENTRAL_URL); Central chỉ nhận phiên đăng nhập, "
            "không nhận Basic qua http",
            "check ODK_CENTRAL_USERNAME (the account's email) and ODK_CENTRAL_PASSWORD for an "
            "account on this very server (ODK_CENTRAL_URL)",
        ),
    )
    FORBIDDEN = (
        "ODK403",
        Message(
            "tài khoản {user} không có quyền trên {target} ({detail})",
            "the account {user} has no access to {target} ({detail})",
            "nhờ quản trị Central thêm tài khoản vào dự án với vai trò Project Manager (để "
            "triển khai, kiểm duyệt) hoặc Project Viewer (chỉ tải dữ liệu)",
            "ask a Central administrator to add the account to the project as Project "
            "Manager (to deploy and review) or Project Viewer (to pull data only)",
        ),
    )
    NOT_FOUND = (
        "ODK404",
        Message(
            "máy chủ ODK Central không có {target}",
            "the ODK Central server has no {target}",
            "kiểm tra số dự án và mã biểu mẫu (xmlFormId) trên trang dự án của Central",
            "check the project number and form id (xmlFormId) on the project's Central page",
        ),
    )
    VERSION_TAKEN = (
        "ODK409",
        Message(
            "Central đã có phiên bản '{version}' của biểu mẫu {target} và không cho dùng lại",
            "Central already has version '{version}' of form {target} and never reuses one",
            "chạy lại htsd forms deploy --to central: htsd chọn một phiên bản mới",
            "run htsd forms deploy --to central again: htsd picks a new version",
        ),
    )
    BAD_REQUEST = (
        "ODK400",
        Message(
            "máy chủ ODK Central từ chối yêu cầu {path}: {detail}",
            "the ODK Central server rejected the request {path}: {detail}",
            "kiểm tra tham số của lệnh; nếu lỗi kéo dài, báo lỗi này cho nhóm htsd",
            "check the command's parameters; if it persists, report it to the htsd team",
        ),
    )
    SERVER_FAILED = (
        "ODK500",
        Message(
            "máy chủ ODK Central trả lỗi {status} cho {path} sau {attempts} lần thử",
            "the ODK Central server answered {status} for {path} after {attempts} attempts",
            "thử lại sau; nếu lỗi kéo dài, báo quản trị máy chủ",
            "try again later; if it persists, tell the server's administrator",
        ),
    )
    UNREACHABLE = (
        "ODK502",
        Message(
            "không kết nối được máy chủ ODK Central {server} ({detail})",
            "cannot reach the ODK Central server {server} ({detail})",
            "kiểm tra ODK_CENTRAL_URL và kết nối mạng",
            "check ODK_CENTRAL_URL and the network connection",
        ),
    )
    INCOMPLETE = (
        "ODK503",
        Message(
            "danh sách bản ghi của {target} chưa đủ: đọc được {read} trên {count} "
            "(@odata.count) sau {attempts} lần đọc",
            "the listing of {target} stayed incomplete: {read} read of {count} "
            "(@odata.count) after {attempts} passes",
            "chạy lại htsd sync sau; mốc đồng bộ chưa dời nên không mất bản ghi nào",
            "run htsd sync again later; the watermark has not moved, so nothing is lost",
        ),
    )
    NOT_JSON = (
        "ODK422",
        Message(
            "máy chủ ODK Central trả dữ liệu không đọc được cho {path}",
            "the ODK Central server returned something unreadable for {path}",
            "kiểm tra ODK_CENTRAL_URL là địa chỉ của máy chủ Central (không phải trang khác)",
            "check that ODK_CENTRAL_URL is the address of the Central server itself",
        ),
    )
