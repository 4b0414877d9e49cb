"""One local KoboToolbox per drill module, given to each test as it was generated."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest

from localkobo import Faults
from tests.conftest import RunningKobo, start_kobo


@pytest.fixture(scope="module")
def _module_kobo() -> Iterator[RunningKobo]:
    yield from start_kobo(250)


@pytest.fixture
def kobo(_module_kobo: RunningKobo) -> Iterator[RunningKobo]:
    """The module's server with 250 generated submissions; what a test changes on it (its
    submissions, statuses, users, assets, faults) is undone after the test."""
    store = _module_kobo.kobo
    saved = (
        copy.deepcopy(store.assets),
        dict(store.tokens),
        store.next_id,
        store.clock,
        store.rng.getstate(),
    )
    store.faults = Faults()
    yield _module_kobo
    store.assets, store.tokens, store.next_id, store.clock = saved[:4]
    store.rng.setstate(saved[4])
    store.faults = Faults()
