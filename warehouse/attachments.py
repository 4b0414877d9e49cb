"""The files attached to a submission, read from its `_attachments` (docs/KOBO-API.md §9).

Pure: one payload → one row per attachment, for current entries (`uid`, `question_xpath`,
`media_file_basename`) and legacy ones (integer `id`, no `question_xpath`: the question is
found as the answer whose value is the file's name). Nothing is downloaded here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

_INDEX = re.compile(r"\[(\d+)\]")


def _answers(item: Any, prefix: tuple[int, ...] = ()) -> Iterator[tuple[str, str, tuple[int, ...]]]:
    """(path, value, repeat index path) of every text answer, repeats included."""
    if not isinstance(item, Mapping):
        return
    for key, value in item.items():
        if isinstance(value, str):
            yield str(key), value, prefix
        elif isinstance(value, list):
            for position, child in enumerate(value, start=1):
                yield from _answers(child, (*prefix, position))


def attachment_rows(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows of `submission_attachment` for one submission (without server and asset)."""
    entries = payload.get("_attachments")
    if not isinstance(entries, list):
        return []
    kobo_id = int(payload["_id"])
    rows = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        stored = str(entry.get("filename") or "")
        name = str(entry.get("media_file_basename") or stored.rsplit("/", 1)[-1])
        xpath = entry.get("question_xpath")
        index: tuple[int, ...] = ()
        if isinstance(xpath, str) and xpath:
            index = tuple(int(i) for i in _INDEX.findall(xpath))
            path: str | None = _INDEX.sub("", xpath)
        else:  # legacy entry: the question whose answer is this file name
            found = [(p, i) for p, v, i in _answers(payload) if v == name and name]
            path, index = found[0] if found else (None, ())
        size = entry.get("size") if isinstance(entry.get("size"), int) else None
        rows.append(
            {
                "kobo_id": kobo_id,
                "attachment_uid": str(entry.get("uid") or entry.get("id") or name),
                "question_path": path,
                "row_index": ".".join(str(i) for i in index),
                "filename": name,
                "stored_filename": stored or None,
                "mimetype": entry.get("mimetype") or None,
                "download_url": entry.get("download_url") or None,
                "size": size,
                "is_deleted": bool(entry.get("is_deleted", False)),
            }
        )
    return rows
