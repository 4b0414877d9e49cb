"""A ready-made local KoboToolbox for the province: one user, deployed assets, submissions."""

from __future__ import annotations

from dataclasses import dataclass

from etl.kobo.local.samples import family_demo_content
from etl.kobo.local.store import LocalKobo

DEMO_USER = "hoikhuyenhoc"


@dataclass
class DemoKobo:
    kobo: LocalKobo
    token: str
    asset_uid: str


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
