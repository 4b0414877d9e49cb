"""Coded messages of the pipeline's own checks (SYNC...), in Vietnamese and English."""

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
            "dùng --asset UID, hoặc khai báo [kobo.assets] trong htsd.toml",
            "pass --asset UID, or list the projects under [kobo.assets] in htsd.toml",
        ),
    )
