"""Who an evaluation is about: the household, clan, village or unit a submission evaluates,
told apart the same way by the duplicate rule (`validation.cross`) and by recognition (one
result per subject and year, `warehouse.scores`).

A household is known by its code (`hh_code`, a code or house number: unique within its
village) when answered, else by the head's name; a clan or unit by its name; a village
(Learning Community) by its code in villages.csv, else by its typed name. Names are compared
normalised (NFC, casefold, spaces collapsed) within the same village (its code, which is
unique in the province, or its typed name in the commune); a unit's village is optional, so
units are compared within the commune. Forms without such an identity (the CLC assessment,
the activity report) have no subject.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass

from forms.text import Text

OTHER_VILLAGE = "other"  # the "other village" choice, with the name typed in village_other
_SPACES = re.compile(r"\s+")


def normalised(text: str) -> str:
    """A name as compared: NFC, casefolded, spaces collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text).casefold()).strip()


@dataclass(frozen=True)
class Identity:
    """How a form's subject is told apart: the field that marks the form, the name field
    (None: the village is the subject), an optional code field, whether the village counts."""

    marker: str
    subject: Text
    name: str | None
    name_label: Text
    code: str | None = None
    code_label: Text | None = None
    by_village: bool = True


IDENTITIES = (
    Identity(
        "hh_code",
        Text("hộ", "household"),
        "head_name",
        Text("tên chủ hộ", "head's name"),
        code="hh_code",
        code_label=Text("mã hộ", "household code"),
    ),
    Identity("clan_name", Text("dòng họ", "clan"), "clan_name", Text("tên dòng họ", "clan name")),
    Identity(
        "unit_name",
        Text("đơn vị", "unit"),
        "unit_name",
        Text("tên đơn vị", "unit name"),
        by_village=False,
    ),
    Identity(
        "community_type",
        Text("thôn, bản, tổ dân phố", "village"),
        None,
        Text("tên thôn", "village name"),
        code="village",
        code_label=Text("mã thôn", "village code"),
    ),
)


def identity_of(fields: Collection[str]) -> Identity | None:
    """The identity of a form with these field names, None for a form with no subject."""
    return next((i for i in IDENTITIES if i.marker in fields), None)


@dataclass(frozen=True)
class Subject:
    """The key of a subject (without the year), the field and answer it was known by, and
    whether a village code placed it (then the commune does not matter)."""

    key: tuple[str, ...]
    field: str
    shown: str
    by_village_code: bool

    @property
    def text(self) -> str:
        """The key as one string, for a table column."""
        return "|".join(self.key)


def subject_of(
    identity: Identity, get: Callable[[str], str | None], commune: str
) -> Subject | None:
    """The subject of one submission: `get(name)` reads an answer (None when blank) and
    `commune` names its commune as the caller compares them (e.g. `3:01840`, "" unknown).
    None when the answers do not say who was evaluated."""
    village = get("village")
    coded = village if village and village != OTHER_VILLAGE else None
    village_name = get("village_other")
    if identity.name is None:  # the village itself is evaluated
        if coded:
            return Subject(("code", coded), "village", coded, True)
        if village_name:
            key = (commune, normalised(village_name))
            return Subject(key, "village_other", village_name, False)
        return None
    place: tuple[str, ...]
    if not identity.by_village:
        place = (commune,)
    elif coded:
        place = ("code", coded)
    else:
        place = (commune, normalised(village_name or ""))
    by_code = bool(coded) and identity.by_village
    code = get(identity.code) if identity.code else None
    if code and identity.code:
        return Subject((*place, "code", normalised(code)), identity.code, code, by_code)
    name = get(identity.name)
    if name:
        return Subject((*place, "name", normalised(name)), identity.name, name, by_code)
    return None
