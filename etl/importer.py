"""`htsd import`: land submissions from files into the same raw landing as `sync`.

For teams that carry data on a USB stick. Accepted shapes, read whole and checked before
anything is written (a bad file leaves the warehouse as it was):
- a data page saved from the API: `{"count", "next", "previous", "results": [...]}`;
- a KoboToolbox JSON export: a list of submissions, or `{"results": [...]}`.
The asset uid comes from `--asset` or from the submissions' `_xform_id_string` (which equals
the asset uid for forms deployed through KoboToolbox).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from forms.errors import ErrorCode, HtsdError, Message
from warehouse.raw import LandCounts, RawRecord, land_records


class ImportCode(ErrorCode):
    """Codes of importing files."""

    FILE_NOT_FOUND = (
        "IMP001",
        Message(
            "không tìm thấy tệp",
            "file not found",
            "kiểm tra đường dẫn",
            "check the path",
        ),
    )
    NOT_JSON = (
        "IMP002",
        Message(
            "tệp không phải JSON hợp lệ (dòng {line}, cột {column}: {detail})",
            "the file is not valid JSON (line {line}, column {column}: {detail})",
            "xuất lại dữ liệu từ KoboToolbox dạng JSON, hoặc lưu lại trang dữ liệu API",
            "export the data again from KoboToolbox as JSON, or save the API data page again",
        ),
    )
    UNKNOWN_SHAPE = (
        "IMP003",
        Message(
            "không nhận ra cấu trúc tệp (cần danh sách bản ghi hoặc trang có 'results')",
            "unrecognised file shape (expected a list of submissions or a page with 'results')",
            "dùng tệp xuất JSON của KoboToolbox hoặc trang /api/v2/assets/UID/data/",
            "use a KoboToolbox JSON export or a saved /api/v2/assets/UID/data/ page",
        ),
    )
    NO_IDENTITY = (
        "IMP004",
        Message(
            "bản ghi thứ {index} thiếu '_id' hoặc '_uuid'",
            "submission number {index} has no '_id' or '_uuid'",
            "tệp phải là dữ liệu gốc từ KoboToolbox, không chỉnh sửa tay",
            "the file must be KoboToolbox data as exported, not edited by hand",
        ),
    )
    UNKNOWN_ASSET = (
        "IMP005",
        Message(
            "không xác định được dự án (asset) của dữ liệu",
            "cannot tell which project (asset) the data belongs to",
            "chỉ rõ bằng --asset UID",
            "name it with --asset UID",
        ),
    )
    EMPTY = (
        "IMP006",
        Message(
            "tệp không có bản ghi nào",
            "the file holds no submissions",
            "kiểm tra đã lưu đúng trang dữ liệu hoặc tệp xuất (có 'results' không rỗng)",
            "check that the right data page or export was saved (a non-empty 'results')",
        ),
    )


@dataclass
class ImportResult:
    path: str
    asset_uid: str
    submissions: int
    counts: LandCounts


def read_submissions(path: Path) -> list[dict[str, Any]]:
    """All submissions in one file, checked; raises HtsdError naming the file and the fix."""
    if not path.is_file():
        raise HtsdError(ImportCode.FILE_NOT_FOUND, where=str(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise HtsdError(
            ImportCode.NOT_JSON,
            where=str(path),
            params={"line": exc.lineno, "column": exc.colno, "detail": exc.msg},
        ) from None
    except UnicodeDecodeError as exc:
        raise HtsdError(
            ImportCode.NOT_JSON,
            where=str(path),
            params={"line": "?", "column": "?", "detail": exc.reason},
        ) from None
    items = data.get("results") if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise HtsdError(ImportCode.UNKNOWN_SHAPE, where=str(path))
    if not items:
        raise HtsdError(ImportCode.EMPTY, where=str(path))
    for index, item in enumerate(items, start=1):
        if "_id" not in item or not (item.get("_uuid") or item.get("meta/instanceID")):
            raise HtsdError(ImportCode.NO_IDENTITY, where=str(path), params={"index": index})
        try:
            int(item["_id"])
        except (TypeError, ValueError):
            raise HtsdError(
                ImportCode.NO_IDENTITY, where=str(path), params={"index": index}
            ) from None
    return items


def _asset_of(path: Path, items: Iterable[dict[str, Any]], asset_uid: str | None) -> str:
    if asset_uid:
        return asset_uid
    found = {str(i["_xform_id_string"]) for i in items if i.get("_xform_id_string")}
    if len(found) != 1:
        raise HtsdError(ImportCode.UNKNOWN_ASSET, where=str(path))
    return found.pop()


def land_files(
    engine: Engine, server: str, paths: list[Path], run_id: int, asset_uid: str | None = None
) -> list[ImportResult]:
    """Check every file first, then land each file's submissions in one transaction."""
    loaded = [(path, read_submissions(path)) for path in paths]
    plans = [(path, items, _asset_of(path, items, asset_uid)) for path, items in loaded]
    results = []
    for path, items, uid in plans:
        records = [RawRecord.from_payload(item) for item in items]
        with engine.begin() as conn:
            counts = land_records(conn, server, uid, run_id, records)
        results.append(ImportResult(str(path), uid, len(records), counts))
    return results
