"""Reading ahead: the next page is requested from the server while this one is landed, the
next batch of the typed load read and normalised while this one is written.

`read_ahead(pages)` yields what `pages` yields, in the same order, while one background
thread gets up to `depth` items ahead. Only the thread touches `pages` (and the HTTP session
behind it); the caller keeps everything that writes — landing, the watermark, the sweep's
marks — in its own thread and order, so what is stored, and when, is exactly what it is
without reading ahead: a run killed at any point leaves the same warehouse. An exception
raised while getting an item is raised to the caller at the place of that item, after the
items got before it. A caller that stops early (an error while landing) stops the thread:
it finishes the request under way, closes `pages` and ends.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

_END = object()
_POLL_S = 0.05  # how often a thread waiting to hand over an item checks for a stop
_JOIN_S = 1.0  # how long a caller that stops early waits for the thread to end


def read_ahead(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """`items`, got up to `depth` ahead of the caller by a background thread."""
    handed: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand(entry: tuple[object, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                handed.put(entry, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not hand((item, None)):
                    break
            else:
                hand((_END, None))
        except BaseException as error:  # handed over: raised in the caller's thread
            hand((_END, error))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=work, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, error = handed.get()
            if item is _END:
                if error is not None:
                    raise error
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join(timeout=_JOIN_S)
