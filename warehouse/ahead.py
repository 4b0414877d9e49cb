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
_POLL_S = 0.05  # how often a thread waiting for room checks for a stop
_JOIN_S = 1.0  # how long a caller that stops early waits for the thread to end


def read_ahead(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """`items`, got up to `depth` ahead of the caller by a background thread: it starts on
    an item only when fewer than `depth` are waiting, so at most `depth` are held besides
    the caller's."""
    handed: queue.SimpleQueue[tuple[object, BaseException | None]] = queue.SimpleQueue()
    room = threading.Semaphore(depth)
    stop = threading.Event()

    def work() -> None:
        try:
            while True:
                while not room.acquire(timeout=_POLL_S):
                    if stop.is_set():
                        return
                if stop.is_set():
                    return
                try:
                    item = next(items)
                except StopIteration:
                    handed.put((_END, None))
                    return
                handed.put((item, None))
        except BaseException as error:  # handed over: raised in the caller's thread
            handed.put((_END, error))
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
            room.release()  # the thread may start on the next one
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join(timeout=_JOIN_S)
