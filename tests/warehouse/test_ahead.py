"""`warehouse.ahead.read_ahead`: the items in their order, at most `depth` got ahead, an error
raised where its item would have come (after the items before it), and a caller that stops
early stops the thread and closes the source."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from warehouse.ahead import read_ahead


class Source:
    """Numbered items; records how many were taken, and whether it was closed."""

    def __init__(self, count: int, fail_at: int | None = None) -> None:
        self.count, self.fail_at = count, fail_at
        self.taken = 0
        self.closed = threading.Event()
        self.threads: set[str] = set()

    def __iter__(self) -> Iterator[int]:
        try:
            for number in range(self.count):
                self.threads.add(threading.current_thread().name)
                if number == self.fail_at:
                    raise ConnectionError(f"page {number} failed")
                self.taken += 1
                yield number
        finally:
            self.closed.set()


def _wait_for(condition: object, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.01)


def test_items_in_their_order_from_another_thread() -> None:
    source = Source(50)
    assert list(read_ahead(iter(source))) == list(range(50))
    assert source.closed.is_set()
    assert source.threads == {"read-ahead"}


def test_at_most_depth_items_are_got_ahead() -> None:
    for depth in (1, 3):
        source = Source(20)
        pages = read_ahead(iter(source), depth=depth)
        assert next(pages) == 0
        _wait_for(lambda: source.taken >= 1 + depth)  # noqa: B023
        time.sleep(0.1)
        # one handed over, `depth` got ahead, none more
        assert source.taken == 1 + depth
        pages.close()


def test_an_error_is_raised_after_the_items_before_it() -> None:
    got: list[int] = []
    with pytest.raises(ConnectionError, match="page 3 failed"):
        for item in read_ahead(iter(Source(10, fail_at=3))):
            got.append(item)
    assert got == [0, 1, 2]


def test_a_caller_that_stops_early_stops_the_thread_and_closes_the_source() -> None:
    source = Source(1000)
    for item in read_ahead(iter(source)):
        if item == 2:
            break
    _wait_for(source.closed.is_set)
    assert source.closed.is_set()
    assert source.taken < 10
    _wait_for(lambda: not any(t.name == "read-ahead" for t in threading.enumerate()))
    assert not any(t.name == "read-ahead" for t in threading.enumerate())


def test_an_empty_source() -> None:
    source = Source(0)
    assert list(read_ahead(iter(source))) == []
    assert source.closed.is_set()
