"""Attachments get a table of their own, from current and legacy `_attachments` (issue 9,
item 8): one row per file with its question, name, type and download address."""

from __future__ import annotations

from typing import Any

from warehouse.attachments import attachment_rows

BASE = "https://kf.kobotoolbox.org/api/v2/assets/aGiaDinh/data/17/attachments"


def _current() -> dict[str, Any]:
    return {
        "_id": 17,
        "evidence/photo": "anh_nha-10_5_3.jpg",
        "household/members": [{"household/members/paper": "giay_to.pdf"}],
        "_attachments": [
            {
                "download_url": f"{BASE}/attAbc/",
                "download_small_url": f"{BASE}/attAbc/small/",
                "mimetype": "image/jpeg",
                "filename": "hoikhuyenhoc/attachments/f00d/uuid-1/anh_nha-10_5_3.jpg",
                "media_file_basename": "anh_nha-10_5_3.jpg",
                "uid": "attAbc",
                "question_xpath": "evidence/photo",
                "is_deleted": False,
            },
            {
                "download_url": f"{BASE}/attDef/",
                "mimetype": "application/pdf",
                "filename": "hoikhuyenhoc/attachments/f00d/uuid-1/giay_to.pdf",
                "media_file_basename": "giay_to.pdf",
                "uid": "attDef",
                "question_xpath": "household[1]/members[1]/paper",
                "is_deleted": True,
            },
        ],
    }


def test_current_entries() -> None:
    rows = attachment_rows(_current())
    assert [
        (r["attachment_uid"], r["question_path"], r["row_index"], r["filename"], r["mimetype"])
        for r in rows
    ] == [
        ("attAbc", "evidence/photo", "", "anh_nha-10_5_3.jpg", "image/jpeg"),
        ("attDef", "household/members/paper", "1.1", "giay_to.pdf", "application/pdf"),
    ]
    assert rows[0]["download_url"] == f"{BASE}/attAbc/" and rows[1]["is_deleted"] is True
    assert all(r["kobo_id"] == 17 and r["size"] is None for r in rows)


def test_legacy_entries_find_their_question_by_the_answer() -> None:
    payload = {
        "_id": 5,
        "evidence/photo": "IMG_0042.jpg",
        "_attachments": [
            {
                "id": 991,
                "instance": 5,
                "xform": 12,
                "mimetype": "image/jpeg",
                "filename": "hoikhuyenhoc/attachments/IMG_0042.jpg",
                "download_url": "https://kc.kobotoolbox.org/media/original?media_file=x",
            }
        ],
    }
    [row] = attachment_rows(payload)
    assert (row["attachment_uid"], row["question_path"], row["filename"]) == (
        "991",
        "evidence/photo",
        "IMG_0042.jpg",
    )


def test_no_attachments() -> None:
    assert attachment_rows({"_id": 1, "_attachments": []}) == []
    assert attachment_rows({"_id": 1}) == []
