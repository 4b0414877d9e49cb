"""A ready-made local KoboToolbox for the province: one user, deployed assets, submissions."""

from __future__ import annotations

from dataclasses import dataclass

from localkobo.samples import family_demo_content
from localkobo.store import LocalKobo

DEMO_USER = "hoikhuyenhoc"


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


def province_kobo(*, seed: int = 1, token: str | None = None) -> tuple[LocalKobo, str]:
    """An empty LocalKobo with the province's account: forms are deployed to it over HTTP."""
    kobo = LocalKobo(seed=seed)
    return kobo, kobo.add_user(DEMO_USER, token)


def demo_counts(families: int) -> dict[str, int]:
    """How many submissions of each form go with `families` Learning Family evaluations."""
    return {form: max(1, families * share // 100) for form, share in DEMO_MIX.items()}


def demo_kobo(submissions: int = 2500, *, seed: int = 1, token: str | None = None) -> DemoKobo:
    """A LocalKobo holding the Learning Family survey, deployed, with `submissions` answers."""
    kobo = LocalKobo(seed=seed)
    token = kobo.add_user(DEMO_USER, token)
    asset = kobo.create_asset(
        DEMO_USER, "Gia đình học tập — Learning Family (demo)", family_demo_content()
    )
    kobo.deploy(asset.uid)
    kobo.generate(asset.uid, submissions)
    return DemoKobo(kobo=kobo, token=token, asset_uid=asset.uid)
