"""A ready-made local KoboToolbox for the province: one user, deployed assets, submissions.

`demo_kobo` holds the Learning Family evaluation (`gia_dinh`) as htsd builds it, deployed
and answered by `localkobo.generate`; `province_kobo` is the empty account `htsd demo`
deploys the six built forms to over HTTP; `six_forms_kobo` (`htsd serve-kobo`) holds the six
built forms deployed and answered in the demo's proportions. `built_content` is the
KoboToolbox asset content of a built form, read from its .xlsx as the server's import does;
the form is built once per process (about 0.3 s) and every caller gets its own copy.

With `problems` (a share, e.g. 0.03), `demo_kobo` and `six_forms_kobo` answer as a campaign
and seed that share of each form's submissions with one problem each (`localkobo.problems`);
their `manifest` lists the findings the validation must report. `campaign` alone gives the
campaign's answers without problems: no finding at all. By default (no problems) the
answers are those `LocalKobo.generate` has always given, which are not quite clean: a few
four-minute interviews (`time.too_short`), households, clans or villages drawn twice in a
year (`duplicate.same_year`), chance outliers in small districts (`outlier.robust`);
`campaign=False` with `problems` seeds into those and the manifest leaves them out.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from localkobo.problems import answer_campaign, seed_problems
from localkobo.store import LocalKobo

DEMO_USER = "hoikhuyenhoc"
DEMO_FORM = "gia_dinh"


@dataclass
class DemoKobo:
    kobo: LocalKobo
    token: str
    asset_uid: str
    # the findings the seeded problems must give (localkobo.problems); empty without
    manifest: list[dict[str, Any]] = field(default_factory=list)


# Submissions of each form per 100 Learning Family evaluations: many households, fewer
# clans, villages and units, one learning centre per commune, a few activity reports.
DEMO_MIX = {
    "gia_dinh": 100,
    "dong_ho": 12,
    "cong_dong": 10,
    "don_vi": 6,
    "clc_assessment": 4,
    "hoat_dong": 5,
}


@cache
def _built_content(form_id: str) -> dict[str, Any]:
    from forms.build import build_forms  # pyxform: only when a form is first built
    from forms.kpi import xlsform_to_kpi_content

    (built,) = build_forms([form_id], validate=False)
    return xlsform_to_kpi_content(built.xlsx)


def built_content(form_id: str = DEMO_FORM) -> dict[str, Any]:
    """The asset content of the form htsd builds as `form_id` (a copy: change it freely)."""
    return copy.deepcopy(_built_content(form_id))


def province_kobo(*, seed: int = 1, token: str | None = None) -> tuple[LocalKobo, str]:
    """An empty LocalKobo with the province's account: forms are deployed to it over HTTP."""
    kobo = LocalKobo(seed=seed)
    return kobo, kobo.add_user(DEMO_USER, token)


def demo_counts(families: int) -> dict[str, int]:
    """How many submissions of each form go with `families` Learning Family evaluations."""
    return {form: max(1, families * share // 100) for form, share in DEMO_MIX.items()}


def _answer(
    kobo: LocalKobo, uid: str, count: int, seed: int, problems: float, campaign: bool | None
) -> list[dict[str, Any]]:
    """Answer a deployed asset: as always, or as a campaign with `problems` seeded (the
    manifest)."""
    if not (problems > 0 if campaign is None else campaign):
        kobo.generate(uid, count)
        return []
    answer_campaign(kobo, uid, count, seed=seed)
    return seed_problems(kobo, uid, problems, seed=seed) if problems > 0 else []


def demo_kobo(
    submissions: int = 2500,
    *,
    seed: int = 1,
    token: str | None = None,
    problems: float = 0.0,
    campaign: bool | None = None,
) -> DemoKobo:
    """A LocalKobo holding the built Learning Family evaluation, deployed, with `submissions`
    generated answers; with `problems`, that share of them seeded with one problem each
    (`campaign`: answered as a campaign, by default when seeding problems)."""
    kobo = LocalKobo(seed=seed)
    token = kobo.add_user(DEMO_USER, token)
    content = built_content(DEMO_FORM)
    title = str((content.get("settings") or {}).get("form_title") or DEMO_FORM)
    asset = kobo.create_asset(DEMO_USER, title, content)
    kobo.deploy(asset.uid)
    manifest = _answer(kobo, asset.uid, submissions, seed, problems, campaign)
    return DemoKobo(kobo=kobo, token=token, asset_uid=asset.uid, manifest=manifest)


@dataclass
class ProvinceKobo:
    """A LocalKobo holding the six built forms, deployed and answered."""

    kobo: LocalKobo
    token: str
    assets: dict[str, str]  # form → asset uid
    counts: dict[str, int]  # form → submissions generated
    # the findings the seeded problems must give, all forms (localkobo.problems); empty without
    manifest: list[dict[str, Any]] = field(default_factory=list)


def six_forms_kobo(
    families: int = 2500,
    *,
    seed: int = 1,
    token: str | None = None,
    problems: float = 0.0,
    campaign: bool | None = None,
) -> ProvinceKobo:
    """The six forms htsd builds, each deployed to its own asset and answered: `families`
    Learning Family evaluations and the other forms in the demo's proportions; with
    `problems`, that share of each form's submissions seeded with one problem each
    (`campaign`: answered as a campaign, by default when seeding problems)."""
    kobo = LocalKobo(seed=seed)
    token = kobo.add_user(DEMO_USER, token)
    counts = demo_counts(families)
    assets: dict[str, str] = {}
    manifest: list[dict[str, Any]] = []
    for form in DEMO_MIX:
        content = built_content(form)
        title = str((content.get("settings") or {}).get("form_title") or form)
        asset = kobo.create_asset(DEMO_USER, title, content)
        kobo.deploy(asset.uid)
        manifest += _answer(kobo, asset.uid, counts[form], seed, problems, campaign)
        assets[form] = asset.uid
    return ProvinceKobo(kobo=kobo, token=token, assets=assets, counts=counts, manifest=manifest)
