"""A Central OData row → the flat submission payload the rest of htsd reads (the
KoboToolbox shape warehouse/flatten.py takes), and back to the identity fields.

The shape: group members as full paths (`location/district`), each repeat a list of items
whose keys are full paths too (`roster/members/m_person/m_age`), unanswered questions left
out, GeoJSON points as `lat lon alt accuracy` text. The system keys:

| key | from Central |
|---|---|
| `_id` | a stable 60-bit number derived from `__id` (the warehouse's integer key) |
| `meta/rootUuid` | `__id`, the first instanceID: the submission's identity for good |
| `_uuid`, `meta/instanceID` | the current version's instanceID (changes on every edit) |
| `__version__` | `__system/formVersion` |
| `_submission_time` | `__system/submissionDate` |
| `_submitted_by` | `__system/submitterName` |
| `_validation_status` | `{"uid": reviewState, "timestamp": updatedAt}` (not hashed) |
| `_central` | the other `__system` fields that only an edit changes |

`deletedAt` is not kept in the payload: a deletion is marked on the row (`deleted_run`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

_ID_BITS = 60


def central_id(instance_id: str) -> int:
    """The warehouse's integer key of a Central submission: from its `__id`, for good."""
    digest = hashlib.sha256(instance_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - _ID_BITS)


def _geo(value: Mapping[str, Any]) -> str | None:
    coordinates = value.get("coordinates")
    if value.get("type") != "Point" or not isinstance(coordinates, list) or len(coordinates) < 2:
        return None
    lon, lat = coordinates[0], coordinates[1]
    alt = coordinates[2] if len(coordinates) > 2 else 0
    accuracy = (value.get("properties") or {}).get("accuracy")
    parts = [lat, lon, alt] + ([accuracy] if accuracy is not None else [])
    return " ".join(_number(p) for p in parts)


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return f"{value:.1f}"
    return str(value)


def _flatten(node: Mapping[str, Any], prefix: str, out: dict[str, Any]) -> None:
    for key, value in node.items():
        if key == "__id" or key.startswith("__Submissions") or "@odata" in key:
            continue
        path = f"{prefix}/{key}" if prefix else key
        if value is None:
            continue
        if isinstance(value, dict):
            point = _geo(value)
            if point is not None:
                out[path] = point
            else:
                _flatten(value, path, out)
        elif isinstance(value, list):
            items = []
            for item in value:
                if isinstance(item, dict):
                    flat: dict[str, Any] = {}
                    _flatten(item, path, flat)
                    items.append(flat)
            if items:
                out[path] = items
        else:
            out[path] = value


def to_payload(row: Mapping[str, Any]) -> dict[str, Any]:
    """The flat payload of one OData row (see the module docstring)."""
    system = dict(row.get("__system") or {})
    answers = {k: v for k, v in row.items() if k not in ("__id", "__system")}
    out: dict[str, Any] = {}
    _flatten(answers, "", out)
    iid = str(row["__id"])
    instance = str(out.get("meta/instanceID") or iid)
    payload: dict[str, Any] = {"_id": central_id(iid)}
    payload.update(out)
    payload.update(
        {
            "meta/instanceID": instance,
            "meta/rootUuid": iid,
            "_uuid": instance.removeprefix("uuid:"),
            "__version__": system.get("formVersion"),
            "_submission_time": system.get("submissionDate"),
            "_submitted_by": system.get("submitterName"),
            "_validation_status": {
                "uid": system.get("reviewState"),
                "timestamp": system.get("updatedAt"),
            },
            "_central": {
                k: system.get(k)
                for k in (
                    "submitterId",
                    "deviceId",
                    "edits",
                    "attachmentsPresent",
                    "attachmentsExpected",
                    "status",
                )
            },
        }
    )
    return payload


def moved_at(row: Mapping[str, Any]) -> str | None:
    """The latest of a row's `submissionDate` and `updatedAt` (ISO text, UTC, `Z`)."""
    system = row.get("__system") or {}
    times = [t for t in (system.get("submissionDate"), system.get("updatedAt")) if t]
    return max(times) if times else None
