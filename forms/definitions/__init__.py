"""The six forms: which rubric each uses and the function that writes its rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from forms.definitions import clc, gia_dinh, hoat_dong, titles
from forms.form_ids import FORM_IDS
from forms.reference import Reference
from forms.rubric import Rubric
from forms.xlsform import XLSFormData

Define = Callable[[Rubric | None, Reference], XLSFormData]


@dataclass(frozen=True)
class FormSpec:
    """A form id, the rubric it scores with (None for the activity report), its definition."""

    form_id: str
    rubric_id: str | None
    define: Define


FORMS: dict[str, FormSpec] = {
    spec.form_id: spec
    for spec in (
        FormSpec("clc_assessment", "clc", clc.define),
        FormSpec("gia_dinh", "gia_dinh", gia_dinh.define),
        FormSpec("dong_ho", "dong_ho", titles.define_dong_ho),
        FormSpec("cong_dong", "cong_dong", titles.define_cong_dong),
        FormSpec("don_vi", "don_vi", titles.define_don_vi),
        FormSpec("hoat_dong", None, hoat_dong.define),
    )
}
__all__ = ["FORMS", "FORM_IDS", "FormSpec"]
