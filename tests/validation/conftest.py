"""Fixtures of the validation tests: the built forms and the XForm engine of tests/forms."""

from tests.forms.conftest import built, built_dir, xform_engine

__all__ = ["built", "built_dir", "xform_engine"]
