"""Ready-made local Centrals for the province: an account, a project, the forms htsd builds.

`demo_central` publishes the Learning Family evaluation (`gia_dinh`) as htsd publishes it
(its XForm with the `htsd:pii` tags, forms/xform.py) and answers it `submissions` times;
`province_central` is the empty project `htsd forms deploy --to central` publishes to;
`six_forms_central` (`htsd serve-central`) holds the six forms, answered in the demo's
proportions (localkobo.province.DEMO_MIX).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from localcentral.store import CentralForm, LocalCentral
from localkobo.province import demo_counts

DEMO_EMAIL = "hoikhuyenhoc@example.org"
DEMO_PASSWORD = "Khuyen-hoc-2026!"
DEMO_PROJECT = "Học tập suốt đời Bắc Kạn"
DEMO_FORM = "gia_dinh"


@cache
def built_xform(form_id: str) -> str:
    """The XForm htsd publishes for a built form (pii tags included)."""
    from forms.build import build_forms  # pyxform: only when a form is first built
    from forms.xform import with_pii

    (built,) = build_forms([form_id], validate=False)
    return with_pii(built.xform, built.xlsform)


@dataclass
class DemoCentral:
    central: LocalCentral
    email: str
    password: str = field(repr=False)
    project_id: int
    forms: dict[str, CentralForm] = field(default_factory=dict)

    @property
    def form(self) -> CentralForm:
        return self.forms[DEMO_FORM]


def province_central(
    *, seed: int = 1, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD
) -> DemoCentral:
    """A LocalCentral with the province's account and one empty project."""
    central = LocalCentral(seed=seed)
    central.add_user(email, password, "Hội Khuyến học tỉnh")
    project = central.add_project(DEMO_PROJECT, email)
    return DemoCentral(central, email, password, project.id)


def demo_central(
    submissions: int = 2500, *, seed: int = 1, password: str = DEMO_PASSWORD
) -> DemoCentral:
    """The Learning Family evaluation published and answered `submissions` times."""
    demo = province_central(seed=seed, password=password)
    form = demo.central.create_form(demo.project_id, built_xform(DEMO_FORM), publish=True)
    demo.central.generate(form, submissions)
    demo.forms[DEMO_FORM] = form
    return demo


def six_forms_central(
    families: int = 2500, *, seed: int = 1, password: str = DEMO_PASSWORD
) -> DemoCentral:
    """The six forms htsd builds, published and answered in the demo's proportions."""
    demo = province_central(seed=seed, password=password)
    for form_id, count in demo_counts(families).items():
        form = demo.central.create_form(demo.project_id, built_xform(form_id), publish=True)
        demo.central.generate(form, count)
        demo.forms[form_id] = form
    return demo
