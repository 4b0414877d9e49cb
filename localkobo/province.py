"""A ready-made local KoboToolbox for the province: one user, deployed assets, submissions.

`demo_kobo` holds the Learning Family evaluation (`gia_dinh`) as htsd builds it, deployed
and answered by `localkobo.generate`; `province_kobo` is the empty account `htsd demo`
deploys the six built forms to over HTTP; `six_forms_kobo` (`htsd serve-kobo`) holds the six
built forms deployed and answered in the demo's proportions. `built_content` is the
KoboToolbox asset content of a built form, read from its .xlsx as the server's import does;
the form is built once per process (about 0.3 s) and every caller gets its own copy.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from typing import Any

from forms.build import build_forms
from forms.kpi import xlsform_to_kpi_content
from localkobo.store import LocalKobo

DEMO_USER = "hoikhuyenhoc"
DEMO_FORM = "gia_dinh"


@dataclass
class DemoKobo:
    kobo: LocalKobo
    token: str
    asset_uid: str


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


def demo_kobo(submissions: int = 2500, *, seed: int = 1, token: str | None = None) -> DemoKobo:
    """A LocalKobo holding the built Learning Family evaluation, deployed, with `submissions`
    generated answers."""
    kobo = LocalKobo(seed=seed)
    token = kobo.add_user(DEMO_USER, token)
    content = built_content(DEMO_FORM)
    title = str((content.get("settings") or {}).get("form_title") or DEMO_FORM)
    asset = kobo.create_asset(DEMO_USER, title, content)
    kobo.deploy(asset.uid)
    kobo.generate(asset.uid, submissions)
    return DemoKobo(kobo=kobo, token=token, asset_uid=asset.uid)


@dataclass
class ProvinceKobo:
    """A LocalKobo holding the six built forms, deployed and answered."""

    kobo: LocalKobo
    token: str
    assets: dict[str, str]  # form → asset uid
    counts: dict[str, int]  # form → submissions generated


def six_forms_kobo(
    families: int = 2500, *, seed: int = 1, token: str | None = None
) -> ProvinceKobo:
    """The six forms htsd builds, each deployed to its own asset and answered: `families`
    Learning Family evaluations and the other forms in the demo's proportions."""
    kobo = LocalKobo(seed=seed)
    token = kobo.add_user(DEMO_USER, token)
    counts = demo_counts(families)
    assets: dict[str, str] = {}
    for form in DEMO_MIX:
        content = built_content(form)
        title = str((content.get("settings") or {}).get("form_title") or form)
        asset = kobo.create_asset(DEMO_USER, title, content)
        kobo.deploy(asset.uid)
        kobo.generate(asset.uid, counts[form])
        assets[form] = asset.uid
    return ProvinceKobo(kobo=kobo, token=token, assets=assets, counts=counts)
