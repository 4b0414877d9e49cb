"""Coded messages of the pipeline's own checks (SYNC..., SRV...), in Vietnamese and English."""

from __future__ import annotations

from forms.errors import ErrorCode, HtsdError, Message


class SyncError(HtsdError):
    """A sync asked for something that cannot be done as asked."""


class SyncCode(ErrorCode):
    """Codes of `htsd sync`."""

    NO_ASSET = (
        "SYNC001",
        Message(
            "chưa chọn dự án nào để đồng bộ",
            "no project to sync",
            "dùng --asset TÊN_BIỂU_MẪU hoặc --asset UID, chạy htsd forms deploy, hoặc khai báo"
            " [kobo.assets] trong htsd.toml",
            "pass --asset FORM or --asset UID, run htsd forms deploy, or list the projects"
            " under [kobo.assets] in htsd.toml",
        ),
    )
    UNKNOWN_FORM = (
        "SYNC002",
        Message(
            "không biết dự án nào chứa biểu mẫu '{form}'",
            "no project is known to hold the form '{form}'",
            "biểu mẫu đã biết: {known}; dùng mã dự án (uid), chạy htsd forms deploy, hoặc khai"
            " báo [kobo.assets] trong htsd.toml",
            "known forms: {known}; give the asset uid, run htsd forms deploy, or list it under"
            " [kobo.assets] in htsd.toml",
        ),
    )
    AMBIGUOUS_FORM = (
        "SYNC003",
        Message(
            "biểu mẫu '{form}' có ở nhiều dự án: {uids}",
            "the form '{form}' is in several projects: {uids}",
            "dùng mã dự án (uid), hoặc khai báo [kobo.assets] trong htsd.toml",
            "give the asset uid, or list it under [kobo.assets] in htsd.toml",
        ),
    )


class ServeError(HtsdError):
    """The local KoboToolbox server cannot start as asked."""


class ServeCode(ErrorCode):
    """Codes of `htsd serve-kobo`."""

    PORT_UNAVAILABLE = (
        "SRV001",
        Message(
            "không mở được cổng {port} trên 127.0.0.1 ({detail})",
            "port {port} on 127.0.0.1 cannot be opened ({detail})",
            "chọn cổng khác bằng --port, hoặc --port 0 để lấy một cổng trống",
            "choose another port with --port, or --port 0 for a free one",
        ),
    )
