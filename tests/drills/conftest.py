"""One local KoboToolbox per drill module, given to each test as it was generated."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import RunningKobo, start_kobo, undone_after_each_test


@pytest.fixture(scope="module")
def _module_kobo() -> Iterator[RunningKobo]:
    yield from start_kobo(250)


@pytest.fixture
def kobo(_module_kobo: RunningKobo) -> Iterator[RunningKobo]:
    """The module's server with 250 generated submissions; what a test changes on it (its
    submissions, statuses, users, assets, faults) is undone after the test."""
    yield from undone_after_each_test(_module_kobo)
