"""The cross-submission rules on submissions localkobo's generator answers from the six
built forms: clean ones (no finding), then copies edited to seed each problem.

The forms are built against the shipped reference with a villages.csv filled in (three
villages a commune, made up for the test: the shipped file is empty), so the generated
villages are coded and the village rule reads real answers in both eras the generator
covers (evaluation dates from May 2025 to March 2026, either side of the 2025 reform).
"""

from __future__ import annotations

import copy
import itertools
import shutil
import time
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from forms.build import convert
from forms.findings import Finding, Severity
from forms.form_ids import FORM_IDS
from forms.kpi import xlsform_to_kpi_content
from forms.reference import REFERENCE_DIR, AdminUnit, Reference
from forms.schema import FormSchema
from localkobo.province import demo_counts
from localkobo.store import LocalKobo
from validation.cross import CROSS_RULES, check_asset

Payload = dict[str, Any]
CLEAN_SEED = 5  # the demo mix of this seed has no accidental repeat (see the scale test)
VAN_TUNG = "01954"  # Xã Vân Tùng until 2023-04-09, Thị trấn Vân Tùng from 2023-04-10
LOCATION = ("location/commune_e1", "location/commune_e2", "location/commune_e3")


def _village_rows(reference: Reference) -> list[str]:
    """Three villages for each commune of 2020–2025, one more for a commune merged away in
    2020 (its village's commune until then)."""
    rows = ["commune_code,village_code,village_name,commune_code_until_2020"]
    for unit in reference.communes(2):
        short = unit.name.split(" ", 1)[1]
        rows += [f"{unit.code},{unit.code}-{i},Thôn {i} {short}," for i in (1, 2, 3)]
    gone = _merged_away(reference)
    heir = next(u for u in reference.communes(2) if u.district_code == gone.district_code)
    rows.append(f"{heir.code},{gone.code}-old,Thôn cũ {gone.name},{gone.code}")
    return rows


def _merged_away(reference: Reference) -> AdminUnit:
    """A commune of the first list that the 2020 merger took away."""
    era2 = {u.code for u in reference.communes(2)}
    return next(u for u in reference.communes(1) if u.code not in era2)


@pytest.fixture(scope="module")
def reference_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("cross") / "reference"
    shutil.copytree(REFERENCE_DIR, directory)
    rows = _village_rows(Reference.load(directory))
    (directory / "villages.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def reference(reference_dir: Path) -> Reference:
    loaded = Reference.load(reference_dir)
    assert loaded.problems() == []
    return loaded


@pytest.fixture(scope="module")
def contents(reference: Reference) -> dict[str, dict[str, Any]]:
    """Each form's KoboToolbox asset content, built against the reference with villages."""
    return {f: xlsform_to_kpi_content(convert(f, reference=reference).xlsx) for f in FORM_IDS}


@pytest.fixture(scope="module")
def schemas(contents: dict[str, dict[str, Any]]) -> dict[str, FormSchema]:
    return {form: FormSchema.from_kpi_content(content) for form, content in contents.items()}


def _generate(content: dict[str, Any], count: int, seed: int) -> list[Payload]:
    """`count` submissions as the local KoboToolbox stores them (system keys included)."""
    kobo = LocalKobo(seed=seed)
    kobo.add_user("hoikhuyenhoc")
    asset = kobo.create_asset("hoikhuyenhoc", "form", content)
    kobo.deploy(asset.uid)
    kobo.generate(asset.uid, count)
    return copy.deepcopy(list(asset.submissions.values()))


@pytest.fixture(scope="module")
def clean(contents: dict[str, dict[str, Any]]) -> dict[str, list[Payload]]:
    """300 family evaluations and the other forms in the demo's proportions."""
    return {
        form: _generate(contents[form], count, CLEAN_SEED)
        for form, count in demo_counts(300).items()
    }


@pytest.fixture(scope="module")
def many(contents: dict[str, dict[str, Any]]) -> dict[str, list[Payload]]:
    """300 submissions of each form: district groups of 30 or so, the outlier rule at work."""
    return {form: _generate(contents[form], 300, 1) for form in FORM_IDS}


def _check(
    payloads: list[Payload], schema: FormSchema, reference: Reference, rule: str | None = None
) -> list[Finding]:
    found = check_asset(payloads, schema, reference)
    assert all(f.rule in CROSS_RULES for f in found)
    return [f for f in found if rule is None or f.rule == rule]


def _seen(found: list[Finding]) -> list[tuple[str, int | None, str, str]]:
    return [(f.rule, f.submission, f.field, f.value) for f in found]


class _Ids:
    """New `_id`s above the generated ones, and fresh instance ids."""

    def __init__(self, payloads: list[Payload]) -> None:
        self.next = max(int(p["_id"]) for p in payloads) + 1

    def copy(self, payload: Payload, **changes: str) -> Payload:
        """A new submission with the answers of `payload` (and `changes`, keys with `/`
        written `__`)."""
        out = copy.deepcopy(payload)
        out["_id"], self.next = self.next, self.next + 1
        out["meta/instanceID"] = out["meta/rootUuid"] = f"uuid:copy-{out['_id']}"
        out |= {key.replace("__", "/"): value for key, value in changes.items()}
        return out


def _placed(
    payload: Payload, day: str, era: int, district: str, commune: str, village: str = "other"
) -> Payload:
    """`payload` moved to a date, district and commune choice of an era, as the device would
    have stored them (`era`, `commune` computed; the other eras' communes absent), with a
    village of the list or (by default) another village typed in."""
    out = copy.deepcopy(payload)
    for key in LOCATION:
        out.pop(key, None)
    out |= {
        "eval_date": day,
        "eval_year": day[:4],
        "era": str(era),
        "location/eval_day": day.replace("-", ""),
        "location/district": district,
        f"location/commune_e{era}": commune,
        "location/commune": commune.split("_", 1)[0],
    }
    out["location/village"] = village
    if village == "other":
        out.setdefault("location/village_other", "Thôn Nà Đăng")
    return out


def _era(payload: Payload) -> int:
    return int(payload["era"])


# -- clean data ------------------------------------------------------------------------------


def test_clean_generated_submissions_have_no_cross_finding(
    clean: dict[str, list[Payload]], schemas: dict[str, FormSchema], reference: Reference
) -> None:
    for form, payloads in clean.items():
        assert _check(payloads, schemas[form], reference) == [], form
    families = clean["gia_dinh"]
    assert len(families) == 300
    # what the rules read is there: both eras, coded villages, GPS positions
    assert {_era(p) for p in families} == {2, 3}
    coded = [p for p in families if p.get("location/village", "other") != "other"]
    assert {_era(p) for p in coded} == {2, 3}
    assert sum("household/hh_code" in p for p in families) > 250
    assert all("evidence/gps" in p for p in clean["clc_assessment"])


def test_at_scale_every_finding_is_a_true_one(
    many: dict[str, list[Payload]], schemas: dict[str, FormSchema], reference: Reference
) -> None:
    """300 submissions of each form. Drawn at random from a few names (70 person names, the
    villages of a commune), some subjects repeat; bounded counts are skewed, so a few
    values lie far out. Every finding is checked against the data; none of the other rules
    fires."""
    total: Counter[str] = Counter()
    for form, payloads in many.items():
        schema = schemas[form]
        found = _check(payloads, schema, reference)
        by_rule = Counter(f.rule for f in found)
        assert set(by_rule) <= {"duplicate.same_year", "outlier.robust"}, (form, by_rule)
        by_id = {int(p["_id"]): p for p in payloads}
        for finding in found:
            if finding.rule == "duplicate.same_year":
                _assert_repeat(finding, by_id, reference)
        outliers = {(f.submission, f.field) for f in found if f.rule == "outlier.robust"}
        assert outliers == _outlier_oracle(payloads, schema), form
        total += by_rule
    assert total["duplicate.same_year"] > 0 and total["outlier.robust"] > 0


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _assert_repeat(finding: Finding, by_id: dict[int, Payload], reference: Reference) -> None:
    """The submission a repeat names is an earlier evaluation of the same subject."""
    later, first = by_id[finding.submission or 0], by_id[int(finding.value)]
    assert later["eval_year"] == first["eval_year"]
    assert (first["eval_date"], first["_id"]) < (later["eval_date"], later["_id"])
    assert _norm(later[finding.field]) == _norm(first[finding.field])
    if finding.field == "location/village":
        return  # a village code is unique in the province
    if finding.field != "unit/unit_name":  # a unit's village is optional
        assert later["location/village"] == first["location/village"]
        if later["location/village"] == "other":
            assert _norm(later["location/village_other"]) == _norm(first["location/village_other"])
    communes = (first["location/commune"], later["location/commune"])
    crosswalk = reference.crosswalk
    assert communes[0] == communes[1] or crosswalk.get(communes[0]) == communes[1]


def _outlier_oracle(payloads: list[Payload], schema: FormSchema) -> set[tuple[int, str]]:
    """The robust z-score by pandas: |0.6745 (x − median) / MAD| > 3.5 per district and
    number question (groups of 10 or more, MAD > 0; the evaluation year left out)."""
    frame = pd.DataFrame(payloads)
    found: set[tuple[int, str]] = set()
    numbers = [
        f.path
        for f in schema.fields
        if f.repeat is None and f.type in ("integer", "decimal") and f.name != "eval_year"
    ]
    for path in numbers:
        if path not in frame:
            continue
        values = pd.to_numeric(frame[path], errors="coerce")
        for _, group in values.groupby(frame["location/district"].fillna("")):
            group = group.dropna()
            if len(group) < 10:
                continue
            mad = (group - group.median()).abs().median()
            if mad == 0:
                continue
            z = 0.6745 * (group - group.median()) / mad
            found |= {(int(frame.loc[i, "_id"]), path) for i in z[z.abs() > 3.5].index}
    return found


# -- duplicate.same_year -------------------------------------------------------------------


def test_a_household_evaluated_twice_in_a_year(
    clean: dict[str, list[Payload]], schemas: dict[str, FormSchema], reference: Reference
) -> None:
    payloads = clean["gia_dinh"]
    ids = _Ids(payloads)
    coded = next(p for p in payloads if p["eval_date"] > "2025-07-15" and "household/hh_code" in p)
    # the copy is dated earlier: the original is the later one and gets the finding
    earlier = ids.copy(coded, eval_date="2025-07-15", location__eval_day="20250715")
    named = next(
        p for p in payloads if _era(p) == 3 and "household/hh_code" not in p and p is not coded
    )
    name = named["household/head_name"]
    spelled = ids.copy(named, household__head_name=f"  {unicodedata.normalize('NFD', name)} ")
    shouted = ids.copy(named, household__head_name=name.upper().replace(" ", "   "))
    other_year = ids.copy(named, eval_year=str(int(named["eval_year"]) - 1))
    other_village = ids.copy(named, location__village="other", location__village_other="Bản Mới")
    found = _check(
        [*payloads, earlier, spelled, shouted, other_year, other_village],
        schemas["gia_dinh"],
        reference,
        "duplicate.same_year",
    )
    assert _seen(found) == [
        ("duplicate.same_year", coded["_id"], "household/hh_code", str(earlier["_id"])),
        ("duplicate.same_year", spelled["_id"], "household/head_name", str(named["_id"])),
        ("duplicate.same_year", shouted["_id"], "household/head_name", str(named["_id"])),
    ]
    assert all(f.severity == Severity.WARNING for f in found)
    message = found[0].message
    assert f"phiếu {earlier['_id']}" in message.vi and "mã hộ" in message.vi
    assert f"submission {earlier['_id']}" in message.en


def test_a_clan_evaluated_before_and_after_the_2025_reform(
    clean: dict[str, list[Payload]], schemas: dict[str, FormSchema], reference: Reference
) -> None:
    """The same clan in May 2025 (an era-2 commune) and in September 2025 (the commune it
    became) is one clan; a clan of the same name in a neighbouring commune merged into the
    same new one is not the May one."""
    payloads = clean["dong_ho"]
    ids = _Ids(payloads)
    merged: dict[str, list[str]] = {}
    for old, new in reference.crosswalk.items():
        merged.setdefault(new, []).append(old)
    new, (first_code, second_code, *_) = next(
        (new, olds)
        for new, olds in sorted(merged.items())
        if len({reference.unit(o, 2).district_code for o in olds}) == 1 and len(olds) > 1
    )
    district = reference.unit(first_code, 2).district_code or ""
    base = ids.copy(payloads[0], clan__clan_name="Hoàng Văn Thắng")
    may = _placed(base, "2025-05-20", 2, district, first_code)
    june = ids.copy(_placed(base, "2025-06-10", 2, district, second_code))
    september = ids.copy(_placed(base, "2025-09-02", 3, district, new))
    found = _check(
        [*payloads, may, june, september], schemas["dong_ho"], reference, "duplicate.same_year"
    )
    assert _seen(found) == [
        ("duplicate.same_year", september["_id"], "clan/clan_name", str(may["_id"]))
    ]
    assert "same clan name 'Hoàng Văn Thắng', same village and commune" in found[0].message.en


def test_villages_and_units_repeat_by_their_own_identity(
    clean: dict[str, list[Payload]], schemas: dict[str, FormSchema], reference: Reference
) -> None:
    """A village by its code (wherever the commune answer points); a unit by its name in
    its commune, whatever its optional village; the CLC assessment and the activity report
    have no such identity."""
    communities = clean["cong_dong"]
    ids = _Ids(communities)
    village = next(p for p in communities if p.get("location/village", "other") != "other")
    again = ids.copy(village, community__leader_name="Người khác")
    found = _check([*communities, again], schemas["cong_dong"], reference, "duplicate.same_year")
    assert _seen(found) == [
        ("duplicate.same_year", again["_id"], "location/village", str(village["_id"]))
    ]
    assert "mã thôn" in found[0].message.vi

    units = clean["don_vi"]
    ids = _Ids(units)
    unit = units[0]
    elsewhere = ids.copy(unit, location__village="other", location__village_other="Tổ 9")
    found = _check([*units, elsewhere], schemas["don_vi"], reference, "duplicate.same_year")
    assert _seen(found) == [
        ("duplicate.same_year", elsewhere["_id"], "unit/unit_name", str(unit["_id"]))
    ]

    for form in ("clc_assessment", "hoat_dong"):
        ids = _Ids(clean[form])
        repeated = [*clean[form], *(ids.copy(p) for p in clean[form])]
        assert _check(repeated, schemas[form], reference, "duplicate.same_year") == [], form


# -- duplicate.instance_id -------------------------------------------------------------------


def test_one_submission_under_two_ids(
    clean: dict[str, list[Payload]], schemas: dict[str, FormSchema], reference: Reference
) -> None:
    payloads = clean["gia_dinh"]
    ids = _Ids(payloads)
    sent, edited = payloads[10], payloads[20]
    resent = ids.copy(sent) | {k: sent[k] for k in ("meta/instanceID", "meta/rootUuid")}
    # the original of an edit imported again: a new instanceID, the same rootUuid
    reimported = ids.copy(edited) | {"meta/rootUuid": edited["meta/rootUuid"]}
    # order does not matter: the smallest `_id` is the original
    found = _check(
        [resent, *payloads, reimported], schemas["gia_dinh"], reference, "duplicate.instance_id"
    )
    assert _seen(found) == [
        ("duplicate.instance_id", resent["_id"], "meta/instanceID", sent["meta/instanceID"]),
        ("duplicate.instance_id", reimported["_id"], "meta/rootUuid", edited["meta/rootUuid"]),
    ]
    assert all(f.severity == Severity.ERROR for f in found)
    assert f"phiếu {sent['_id']}" in found[0].message.vi
    assert f"submission {edited['_id']}" in found[1].message.en


def test_instance_ids_repeat_across_form_versions(
    clean: dict[str, list[Payload]], schemas: dict[str, FormSchema], reference: Reference
) -> None:
    payloads = clean["dong_ho"]
    ids = _Ids(payloads)
    older = ids.copy(payloads[3]) | {
        "__version__": "vOlderVersion",
        "meta/instanceID": payloads[3]["meta/instanceID"],
    }
    found = _check([*payloads, older], schemas["dong_ho"], reference, "duplicate.instance_id")
    assert _seen(found) == [
        ("duplicate.instance_id", older["_id"], "meta/instanceID", payloads[3]["meta/instanceID"])
    ]


# -- place.* ---------------------------------------------------------------------------------


def _era2_unit(reference: Reference, code: str | None = None) -> tuple[str, str]:
    unit = reference.unit(code, 2) if code else reference.communes(2)[0]
    return unit.code, unit.district_code or ""


def test_a_commune_outside_its_district(
    clean: dict[str, list[Payload]], schemas: dict[str, FormSchema], reference: Reference
) -> None:
    payloads = clean["gia_dinh"]
    ids = _Ids(payloads)
    code, district = _era2_unit(reference)
    other = next(d.code for d in reference.districts if d.code != district)
    era2 = ids.copy(_placed(payloads[0], "2024-10-01", 2, other, code))
    new = reference.successor(code)
    outside = next(d.code for d in reference.districts if d.code not in new.former_districts)
    era3 = ids.copy(_placed(payloads[0], "2025-10-01", 3, outside, new.code))
    inside = ids.copy(_placed(payloads[0], "2025-10-01", 3, new.former_districts[0], new.code))
    found = _check(
        [*payloads, era2, era3, inside], schemas["gia_dinh"], reference, "place.commune_district"
    )
    assert _seen(found) == [
        ("place.commune_district", era2["_id"], "location/commune_e2", code),
        ("place.commune_district", era3["_id"], "location/commune_e3", new.code),
    ]
    assert f"({other})" in found[0].message.vi and f"({district})" in found[0].message.en
    assert "former district" in found[1].message.en


def test_a_commune_not_in_force_on_the_evaluation_date(
    clean: dict[str, list[Payload]], schemas: dict[str, FormSchema], reference: Reference
) -> None:
    payloads = clean["gia_dinh"]
    ids = _Ids(payloads)
    base = payloads[0]
    code, district = _era2_unit(reference)
    van_tung, ngan_son = _era2_unit(reference, VAN_TUNG)
    # an era-2 commune kept when the date was changed to after the reform
    after_reform = ids.copy(_placed(base, "2025-06-30", 2, district, code))
    after_reform |= {"eval_date": "2025-08-01"}
    # Vân Tùng: the township's name in 2022, the commune's name in 2024
    township_2022 = ids.copy(_placed(base, "2022-06-01", 2, ngan_son, van_tung))
    commune_2022 = ids.copy(_placed(base, "2022-06-01", 2, ngan_son, f"{VAN_TUNG}_20230409"))
    commune_2024 = ids.copy(_placed(base, "2024-01-10", 2, ngan_son, f"{VAN_TUNG}_20230409"))
    # codes the reference does not know are left to the choice checks
    unknown = ids.copy(_placed(base, "2024-01-10", 2, district, "99999"))
    no_district = ids.copy(_placed(base, "2024-01-10", 2, "999", code))
    found = _check(
        [
            *payloads,
            after_reform,
            township_2022,
            commune_2022,
            commune_2024,
            unknown,
            no_district,
        ],
        schemas["gia_dinh"],
        reference,
    )
    place = [f for f in found if f.rule.startswith("place.")]
    assert _seen(place) == [
        ("place.commune_date", after_reform["_id"], "location/commune_e2", code),
        ("place.commune_date", township_2022["_id"], "location/commune_e2", VAN_TUNG),
        ("place.commune_date", commune_2024["_id"], "location/commune_e2", f"{VAN_TUNG}_20230409"),
    ]
    assert "2025-08-01" in place[0].message.vi and "1 July 2025" in place[0].message.en
    assert "Thị trấn Vân Tùng" in place[1].message.vi and "Xã Vân Tùng" in place[1].message.vi
    assert "from 2023-04-10" in place[1].message.en


def test_a_commune_of_the_first_era(
    clean: dict[str, list[Payload]], schemas: dict[str, FormSchema], reference: Reference
) -> None:
    payloads = clean["cong_dong"]
    ids = _Ids(payloads)
    gone = _merged_away(reference)
    old_village = next(v for v in reference.villages if v.commune_code_until_2020 == gone.code)
    in_2019 = ids.copy(
        _placed(payloads[0], "2019-11-05", 1, gone.district_code or "", gone.code, old_village.code)
    )
    kept = ids.copy(in_2019 | {"eval_date": "2020-03-01", "eval_year": "2020"})
    found = _check([*payloads, in_2019, kept], schemas["cong_dong"], reference)
    assert _seen([f for f in found if f.rule.startswith("place.")]) == [
        ("place.commune_date", kept["_id"], "location/commune_e1", gone.code)
    ]


def test_a_district_not_in_force_on_the_evaluation_date(
    clean: dict[str, list[Payload]], schemas: dict[str, FormSchema], reference_dir: Path
) -> None:
    """A district of the first list only (made up: Bắc Kạn's districts did not change)."""
    directory = reference_dir.parent / "with_old_district"
    shutil.copytree(reference_dir, directory)
    units = directory / "bac_kan_admin_units_until_2020-01-31.csv"
    header = units.read_text(encoding="utf-8").splitlines()[0].split(",")
    row = {"province_code": "06", "district_code": "059", "district_name": "Huyện Cũ"}
    row |= {"commune_code": "01999", "commune_name": "Xã Cũ"}
    with units.open("a", encoding="utf-8") as handle:
        handle.write(",".join(row.get(column, "") for column in header) + "\n")
    reference = Reference.load(directory)
    payloads = clean["hoat_dong"]
    ids = _Ids(payloads)
    # a report of a district-level activity: a district, no commune
    base = {k: v for k, v in payloads[0].items() if not k.startswith("location/")}
    base |= {"activity/level": "district", "location/district": "059"}
    before = ids.copy(base, eval_date="2019-05-05")
    after = ids.copy(base, eval_date="2024-05-05")
    found = _check([*payloads, before, after], schemas["hoat_dong"], reference)
    assert _seen(found) == [("place.commune_date", after["_id"], "location/district", "059")]


def test_a_village_of_another_commune(
    clean: dict[str, list[Payload]], schemas: dict[str, FormSchema], reference: Reference
) -> None:
    payloads = clean["cong_dong"]
    ids = _Ids(payloads)
    code, district = _era2_unit(reference)
    own = next(v for v in reference.villages if v.commune_code == code)
    elsewhere = next(v for v in reference.villages if v.successor_code != own.successor_code)
    neighbour = next(
        v
        for v in reference.villages
        if v.successor_code == own.successor_code and v.commune_code != code
    )
    new = reference.successor(code)
    cases = {
        "era 2, another commune": (
            _placed(payloads[0], "2024-05-01", 2, district, code),
            neighbour,
        ),
        "era 2, own commune": (_placed(payloads[0], "2024-05-01", 2, district, code), own),
        "era 3, merged commune": (
            _placed(payloads[0], "2025-09-01", 3, district, new.code),
            neighbour,
        ),
        "era 3, another commune": (
            _placed(payloads[0], "2025-09-01", 3, district, new.code),
            elsewhere,
        ),
    }
    seeded = {name: ids.copy(p, location__village=v.code) for name, (p, v) in cases.items()}
    unknown = ids.copy(seeded["era 2, own commune"], location__village="no-such-village")
    found = _check(
        [*payloads, *seeded.values(), unknown],
        schemas["cong_dong"],
        reference,
        "place.village_commune",
    )
    assert _seen(found) == [
        (
            "place.village_commune",
            seeded["era 2, another commune"]["_id"],
            "location/village",
            neighbour.code,
        ),
        (
            "place.village_commune",
            seeded["era 3, another commune"]["_id"],
            "location/village",
            elsewhere.code,
        ),
    ]
    assert f"({neighbour.commune_code})" in found[0].message.vi
    assert (
        "belongs to" in found[1].message.en
        and f"({elsewhere.successor_code})" in found[1].message.en
    )


# -- outlier.robust --------------------------------------------------------------------------


def _district_group(
    payloads: list[Payload], ids: _Ids, district: str, values: list[str]
) -> list[Payload]:
    """Copies of generated submissions moved to one district, `clan/n_families` set."""
    return [
        ids.copy(payload, location__district=district, clan__n_families=value)
        for payload, value in zip(itertools.cycle(payloads), values)
    ]


def test_a_number_far_from_its_districts_others(
    clean: dict[str, list[Payload]], schemas: dict[str, FormSchema], reference: Reference
) -> None:
    base = clean["dong_ho"]
    ids = _Ids(base)
    field = "clan/n_families"
    usual = [str(v) for v in range(20, 30)]  # with 400: median 25, MAD 3
    far = _district_group(base, ids, "061", [*usual, "400"])
    # the same 400 is ordinary among large clans of another district
    large = _district_group(base, ids, "062", [str(v) for v in range(390, 402)])
    few = _district_group(base, ids, "063", [*usual[:8], "400"])  # 9 values: too few
    alike = _district_group(base, ids, "064", ["5"] * 10 + ["500"])  # MAD 0
    found = [
        f
        for f in _check(
            [*far, *large, *few, *alike], schemas["dong_ho"], reference, "outlier.robust"
        )
        if f.field == field
    ]
    assert _seen(found) == [("outlier.robust", far[-1]["_id"], field, "400")]
    (finding,) = found
    assert finding.severity == Severity.WARNING
    assert "trung vị của huyện 25" in finding.message.vi and "Huyện Ba Bể" in finding.message.vi
    z = 0.6745 * (400 - 25) / 3
    assert f"modified z-score {round(z, 2)}" in finding.message.en


# -- geo.outside_province --------------------------------------------------------------------


def test_a_position_outside_the_province(
    clean: dict[str, list[Payload]], schemas: dict[str, FormSchema], reference: Reference
) -> None:
    payloads = clean["clc_assessment"]
    ids = _Ids(payloads)
    base = next(p for p in payloads if _era(p) == 3)
    ha_noi = ids.copy(base, evidence__gps="21.028511 105.804817 12.0 5.0")
    # old Thái Nguyên: in the province from 1 July 2025, not before
    thai_nguyen = "21.592400 105.848200 30.0 5.0"
    after = ids.copy(base, evidence__gps=thai_nguyen)
    before = ids.copy(base, evidence__gps=thai_nguyen, eval_date="2025-06-30")
    unreadable = ids.copy(base, evidence__gps="không rõ")
    found = _check(
        [*payloads, ha_noi, after, before, unreadable],
        schemas["clc_assessment"],
        reference,
        "geo.outside_province",
    )
    assert _seen(found) == [
        ("geo.outside_province", ha_noi["_id"], "evidence/gps", ha_noi["evidence/gps"]),
        ("geo.outside_province", before["_id"], "evidence/gps", thai_nguyen),
    ]
    assert "ngoài khung bao của tỉnh Thái Nguyên" in found[0].message.vi
    assert "outside the province's bounding box (Bắc Kạn on 2025-06-30" in found[1].message.en
    assert all(f.severity == Severity.WARNING for f in found)

    reports = clean["hoat_dong"]
    ids = _Ids(reports)
    moved = ids.copy(reports[0], evidence__gps="10.776900 106.700900 5.0 4.0")
    found = _check([*reports, moved], schemas["hoat_dong"], reference, "geo.outside_province")
    assert _seen(found) == [
        ("geo.outside_province", moved["_id"], "evidence/gps", moved["evidence/gps"])
    ]


# -- the whole -------------------------------------------------------------------------------


def test_the_rule_ids() -> None:
    assert CROSS_RULES == (
        "duplicate.same_year",
        "duplicate.instance_id",
        "place.commune_district",
        "place.commune_date",
        "place.village_commune",
        "outlier.robust",
        "geo.outside_province",
    )


def test_the_shipped_reference_by_default(
    clean: dict[str, list[Payload]], schemas: dict[str, FormSchema]
) -> None:
    """Without a reference, the shipped one (whose villages.csv is empty: no village rule)."""
    payloads = clean["clc_assessment"]
    ids = _Ids(payloads)
    far = ids.copy(payloads[0], evidence__gps="21.0 105.8 0 5")
    found = check_asset([*payloads, far], schemas["clc_assessment"])
    assert _seen(found) == [("geo.outside_province", far["_id"], "evidence/gps", "21.0 105.8 0 5")]


def test_100000_submissions_in_seconds(
    many: dict[str, list[Payload]], schemas: dict[str, FormSchema], reference: Reference
) -> None:
    """The CLC form (13 numbers, a GPS position) at 100,000 submissions, each a distinct one:
    well under ten seconds of processor time."""
    base = many["clc_assessment"]
    payloads = []
    for number in range(100_000):
        payload = dict(base[number % len(base)])
        payload["_id"] = number + 1
        payload["meta/instanceID"] = payload["meta/rootUuid"] = f"uuid:{number}"
        payloads.append(payload)
    started = time.process_time()
    found = check_asset(payloads, schemas["clc_assessment"], reference)
    spent = time.process_time() - started
    assert spent < 10, f"{spent:.1f} s"
    assert {f.rule for f in found} <= {"outlier.robust"}
