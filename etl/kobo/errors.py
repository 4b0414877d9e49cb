"""Coded messages for everything that can go wrong talking to a KoboToolbox server."""

from __future__ import annotations

from forms.errors import ErrorCode, HtsdError, Message, RemoteError


class KoboError(HtsdError):
    """A KoboToolbox server refused or failed a request."""


class KoboUnavailable(KoboError, RemoteError):  # noqa: N818 - reads as what happened
    """The server kept failing (5xx, 429) or could not be reached, after every retry."""


class KoboCode(ErrorCode):
    """Codes of the KoboToolbox client."""

    NO_TOKEN = (
        "KOBO001",
        Message(
            "chưa có token KoboToolbox",
            "no KoboToolbox token is set",
            "đặt biến môi trường KOBOTOOLBOX_TOKEN (Account Settings → Security → API Key)",
            "set the KOBOTOOLBOX_TOKEN environment variable (Account Settings → Security → "
            "API Key)",
        ),
    )
    TOKEN_REJECTED = (
        "KOBO401",
        Message(
            "máy chủ từ chối token ({detail})",
            "the server rejected the token ({detail})",
            "kiểm tra KOBOTOOLBOX_TOKEN có đúng là khóa API của tài khoản trên chính máy chủ "
            "này (KOBOTOOLBOX_URL) và chưa bị thu hồi",
            "check that KOBOTOOLBOX_TOKEN is the API key of an account on this very server "
            "(KOBOTOOLBOX_URL) and has not been revoked",
        ),
    )
    FORBIDDEN = (
        "KOBO403",
        Message(
            "máy chủ không cho phép thao tác này trên dự án {asset} ({detail})",
            "the server does not allow this on project {asset} ({detail})",
            "nhờ chủ dự án cấp quyền (xem/kiểm duyệt dữ liệu) cho tài khoản của token",
            "ask the project owner to share it with the token's account (view/validate "
            "submissions)",
        ),
    )
    NOT_FOUND = (
        "KOBO404",
        Message(
            "máy chủ không thấy dự án {asset} (404): uid sai, hoặc token không có quyền xem dự án",
            "the server has no project {asset} visible to this token (404): a wrong uid, "
            "or a token without access",
            "kiểm tra uid của dự án, biến KOBOTOOLBOX_TOKEN đã đặt, và tài khoản đó được chia sẻ "
            "dự án",
            "check the project uid, that KOBOTOOLBOX_TOKEN is set, and that its account can "
            "see the project",
        ),
    )
    NOT_DEPLOYED = (
        "KOBO409",
        Message(
            "dự án {asset} chưa được triển khai (deploy)",
            "project {asset} has not been deployed",
            "triển khai biểu mẫu: htsd forms deploy, hoặc nút Deploy trên KoboToolbox",
            "deploy the form first: htsd forms deploy, or the Deploy button in KoboToolbox",
        ),
    )
    API_V1_GONE = (
        "KOBO410",
        Message(
            "máy chủ đã bỏ API v1",
            "the server has removed API v1",
            "dùng địa chỉ gốc của KPI (kf), htsd dùng API v2",
            "use the KPI (kf) base URL; htsd speaks API v2",
        ),
    )
    SERVER_FAILED = (
        "KOBO500",
        Message(
            "máy chủ trả lỗi {status} cho {path} sau {attempts} lần thử",
            "the server answered {status} for {path} after {attempts} attempts",
            "thử lại sau; nếu lỗi kéo dài, báo quản trị máy chủ",
            "try again later; if it persists, tell the server's administrator",
        ),
    )
    UNREACHABLE = (
        "KOBO502",
        Message(
            "không kết nối được máy chủ ({detail})",
            "cannot reach the server ({detail})",
            "kiểm tra KOBOTOOLBOX_URL và kết nối mạng",
            "check KOBOTOOLBOX_URL and the network connection",
        ),
    )
    BAD_REQUEST = (
        "KOBO400",
        Message(
            "máy chủ từ chối yêu cầu {path}: {detail}",
            "the server rejected the request {path}: {detail}",
            "kiểm tra tham số của lệnh",
            "check the command's parameters",
        ),
    )
    UNKNOWN_STATUS = (
        "KOBO420",
        Message(
            "trạng thái kiểm duyệt '{value}' không tồn tại",
            "validation status '{value}' does not exist",
            "dùng một trong: {allowed}",
            "use one of: {allowed}",
        ),
    )
    NOT_JSON = (
        "KOBO422",
        Message(
            "máy chủ trả dữ liệu không phải JSON cho {path}",
            "the server returned something other than JSON for {path}",
            "kiểm tra KOBOTOOLBOX_URL là địa chỉ KPI (vd. https://kf.kobotoolbox.org)",
            "check that KOBOTOOLBOX_URL is the KPI address (e.g. https://kf.kobotoolbox.org)",
        ),
    )
    PAGING_STUCK = (
        "KOBO423",
        Message(
            "các trang dữ liệu của {path} không tiến lên: {why} vẫn trỏ tới trang sau ({next})",
            "the pages of {path} do not advance: {why} still points to a next page ({next})",
            "không có gì được ghi thêm; báo quản trị máy chủ, rồi chạy lại lệnh",
            "nothing more was written; tell the server's administrator, then run the command again",
        ),
    )
    BAD_URL = (
        "KOBO424",
        Message(
            "'{url}' không phải địa chỉ máy chủ http(s)",
            "'{url}' is not an http(s) server address",
            "ghi đủ cả https://, ví dụ https://kf.kobotoolbox.org hoặc http://127.0.0.1:8000",
            "write it in full with https://, e.g. https://kf.kobotoolbox.org or "
            "http://127.0.0.1:8000",
        ),
    )
