"""Fields KoboToolbox and Collect add to every submission are not findings (issue 9, item 3).

The payload is shaped as the data endpoint returns it for a form whose repeats have a
`repeat_count` (docs/KOBO-API.md §4): the generated `<repeat>_count` calculates, `meta/*`,
`formhub/uuid`, `__version__` and the underscored system keys. A clean submission gives no
finding; an answer exported as `null` is simply unanswered.
"""

from __future__ import annotations

from typing import Any

from forms.schema import FormSchema
from tests.warehouse.support import choices, content, end, row
from warehouse.flatten import flatten_submission

FORM = content(
    [
        row("integer", "n_children", "Số con", "Children"),
        row("begin_repeat", "education", "Học tập", "Education", repeat_count="${n_children}"),
        row("text", "education/school", "Trường", "School"),
        end("repeat"),
        row("begin_group", "demo", "Nhân khẩu", "Demography"),
        row("integer", "demo/n_hobbies", "Số sở thích", "Hobbies"),
        row(
            "begin_repeat",
            "demo/hobbies_list",
            "Sở thích",
            "Hobby",
            repeat_count="${n_hobbies}",
        ),
        row(
            "select_one", "demo/hobbies_list/hobby", "Sở thích", "Hobby", select_from_list_name="h"
        ),
        end("repeat"),
        end("group"),
        row("text", "note_text", "Ghi chú", "Note"),
    ],
    choices("h", ("read", "Đọc", "Reading"), ("sing", "Hát", "Singing")),
)
SCHEMA = FormSchema.from_kpi_content(FORM, version="vAbc")


def _payload() -> dict[str, Any]:
    return {
        "_id": 17,
        "_uuid": "5f2b0c1e-0000-4000-8000-000000000017",
        "formhub/uuid": "0a1b2c3d4e5f",
        "n_children": "2",
        "education_count": "2",
        "education": [
            {"education/school": "Tiểu học Bằng Vân"},
            {"education/school": "THCS Bằng Vân"},
        ],
        "demo/n_hobbies": "1",
        "demo/hobbies_list_count": "1",
        "demo/hobbies_list": [{"demo/hobbies_list/hobby": "read"}],
        "note_text": None,
        "__version__": "vAbc",
        "meta/instanceID": "uuid:5f2b0c1e-0000-4000-8000-000000000017",
        "meta/rootUuid": "uuid:5f2b0c1e-0000-4000-8000-000000000001",
        "meta/deprecatedID": "uuid:5f2b0c1e-0000-4000-8000-000000000001",
        "meta/instanceName": "GĐHT-2026-017",
        "meta/audit": "audit.csv",
        "_xform_id_string": "aXyZaXyZaXyZaXyZaXyZaX",
        "_status": "submitted_via_web",
        "_geolocation": [None, None],
        "_tags": [],
        "_notes": [],
        "_submitted_by": "hoikhuyenhoc",
        "_submission_time": "2026-03-02T01:05:00",
        "_attachments": [],
        "_validation_status": {},
    }


def test_a_clean_submission_with_every_kobo_field_has_no_finding() -> None:
    flat = flatten_submission(_payload(), SCHEMA)
    assert flat.findings == []
    assert all(not record.unparsed for record in flat.records)
    assert [r.values for r in flat.records if r.repeat == "education"] == [
        {"education/school": "Tiểu học Bằng Vân"},
        {"education/school": "THCS Bằng Vân"},
    ]
    assert flat.main.values["n_children"] == 2


def test_a_null_answer_is_unanswered() -> None:
    flat = flatten_submission(_payload(), SCHEMA)
    assert "note_text" not in flat.main.values and "note_text" not in flat.main.unparsed


def test_a_truly_unknown_field_is_still_a_finding() -> None:
    payload = {**_payload(), "education_total": "2"}
    flat = flatten_submission(payload, SCHEMA)
    assert [(f.rule, f.field) for f in flat.findings] == [("field.unknown", "education_total")]
