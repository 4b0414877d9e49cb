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
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from forms.errors import ErrorCode, HtsdError, Message
from warehouse import jsontext
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
    OTHER_ASSET = (
        "IMP007",
        Message(
            "bản ghi trong tệp thuộc dự án {found}, không phải dự án {asset} đã chỉ định",
            "the file's submissions belong to asset {found}, not to the asset {asset} given",
            "bỏ --asset để nhận dự án từ tệp, hoặc chọn đúng tệp của dự án {asset}",
            "leave out --asset to take the asset from the file, or pick the file of {asset}",
        ),
    )
    PARTIAL = (
        "IMP008",
        Message(
            "các trang đã cho của dự án {asset} chỉ có {held} trên {count} bản ghi (còn trang "
            "sau chưa được lưu)",
            "the pages given for asset {asset} hold {held} of its {count} submissions (a next "
            "page was not saved)",
            "lưu và nhập mọi trang (theo liên kết next), hoặc thêm --partial để chỉ nhập "
            "các trang này",
            "save and import every page (follow the next links), or add --partial to land "
            "these pages alone",
        ),
    )
    FORM_UNREADABLE = (
        "IMP009",
        Message(
            "không đọc được biểu mẫu trong tệp: {detail}",
            "the form cannot be read from the file: {detail}",
            "dùng --form với tệp XLSForm (.xlsx) của biểu mẫu, hoặc tệp JSON của dự án tải từ"
            " /api/v2/assets/UID/ (có mục 'content')",
            "give --form the form's XLSForm (.xlsx), or the asset JSON saved from"
            " /api/v2/assets/UID/ (with its 'content')",
        ),
    )


@dataclass
class ImportResult:
    path: str
    asset_uid: str
    submissions: int
    counts: LandCounts
    server_count: int | None = None  # `count` of a saved page: the asset's total then


@dataclass(frozen=True)
class SavedFile:
    """One file read and checked: its submissions and, for a saved API page, its `count`
    and `next` link."""

    path: Path
    items: list[dict[str, Any]]
    count: int | None = None
    next_url: str | None = None


def read_file(path: Path) -> SavedFile:
    """All submissions in one file, checked; raises HtsdError naming the file and the fix."""
    if not path.is_file():
        raise HtsdError(ImportCode.FILE_NOT_FOUND, where=str(path))
    try:
        data = jsontext.loads(path.read_text(encoding="utf-8-sig"))
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
    if isinstance(data, dict) and isinstance(data.get("count"), int):
        return SavedFile(path, items, data["count"], data.get("next") or None)
    return SavedFile(path, items)


_ASSET_IN_URL = re.compile(r"/api/v2/assets/([A-Za-z0-9]+)/")


def _assets_named(items: Iterable[dict[str, Any]]) -> set[str]:
    """The asset uids the submissions name: `_xform_id_string` (the asset uid for forms
    deployed through KoboToolbox) and the uid in their attachments' URLs."""
    found = {str(i["_xform_id_string"]) for i in items if i.get("_xform_id_string")}
    for item in items:
        attachments = item.get("_attachments")
        for attachment in attachments if isinstance(attachments, list) else []:
            if isinstance(attachment, dict):
                for key in ("download_url", "download_small_url"):
                    match = _ASSET_IN_URL.search(str(attachment.get(key) or ""))
                    if match:
                        found.add(match.group(1))
    return found


def _asset_of(path: Path, items: Iterable[dict[str, Any]], asset_uid: str | None) -> str:
    found = _assets_named(items)
    if asset_uid:
        foreign = sorted(found - {asset_uid})
        if foreign:
            raise HtsdError(
                ImportCode.OTHER_ASSET,
                where=str(path),
                params={"asset": asset_uid, "found": ", ".join(foreign)},
            )
        return asset_uid
    if len(found) != 1:
        raise HtsdError(ImportCode.UNKNOWN_ASSET, where=str(path))
    return found.pop()


def _check_complete(plans: list[tuple[SavedFile, str]], partial: bool) -> None:
    """Saved pages of an asset must hold as many submissions as their `count` says, unless
    the data manager asks for a partial import."""
    by_asset: dict[str, list[SavedFile]] = {}
    for saved, uid in plans:
        by_asset.setdefault(uid, []).append(saved)
    for uid, files in by_asset.items():
        counts = [f.count for f in files if f.count is not None]
        if not counts or not any(f.next_url for f in files):
            continue
        held = len({int(item["_id"]) for f in files for item in f.items})
        if held < max(counts) and not partial:
            first = next(f for f in files if f.next_url)
            raise HtsdError(
                ImportCode.PARTIAL,
                where=str(first.path),
                params={"asset": uid, "held": held, "count": max(counts)},
            )


def land_files(
    engine: Engine,
    server: str,
    paths: list[Path],
    run_id: int,
    asset_uid: str | None = None,
    *,
    partial: bool = False,
) -> list[ImportResult]:
    """Check every file first (shape, identity, asset, completeness), then land each file's
    submissions in one transaction."""
    saved = [read_file(path) for path in paths]
    plans = [(f, _asset_of(f.path, f.items, asset_uid)) for f in saved]
    _check_complete(plans, partial)
    results = []
    for f, uid in plans:
        records = [RawRecord.from_payload(item) for item in f.items]
        with engine.begin() as conn:
            counts = land_records(conn, server, uid, run_id, records)
        results.append(ImportResult(str(f.path), uid, len(records), counts, f.count))
    return results


@dataclass(frozen=True)
class FormFile:
    """A form read from a file for an offline import: its name, title and KPI content."""

    path: str
    form_id: str | None
    title: str | None
    content: dict[str, Any]


def read_form_file(path: Path) -> FormFile:
    """The form of `htsd import --form`: an XLSForm (.xlsx), or an asset's JSON as the API
    gives it (`content` inside) or its bare content (`survey` at the top). IMP009 or FRM040
    when it cannot be read."""
    if not path.is_file():
        raise HtsdError(ImportCode.FILE_NOT_FOUND, where=str(path))
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from forms.kpi import xlsform_to_kpi_content  # pyxform: only for an XLSForm

        content = xlsform_to_kpi_content(path)
        settings = content.get("settings") or {}
        form_id = settings.get("form_id") or settings.get("id_string")
        return FormFile(str(path), form_id, settings.get("form_title"), content)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise HtsdError(
            ImportCode.FORM_UNREADABLE, where=str(path), params={"detail": str(exc)[:200]}
        ) from None
    body = data.get("content") if isinstance(data, dict) and "content" in data else data
    if not isinstance(body, dict) or not isinstance(body.get("survey"), list):
        raise HtsdError(
            ImportCode.FORM_UNREADABLE, where=str(path), params={"detail": "no 'survey' rows"}
        )
    settings = body.get("settings") or {}
    settings = settings if isinstance(settings, dict) else {}
    name = data.get("name") if isinstance(data, dict) else None
    form_id = settings.get("form_id") or settings.get("id_string")
    return FormFile(str(path), form_id, settings.get("form_title") or name, body)
