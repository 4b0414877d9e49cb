"""What the HTTP layer and the routes agree on, so that neither imports the other.

A route reads a `Request` (method, path, headers, and how to make an absolute URL) and
returns a `Reply`: (status, JSON body, extra headers). To answer otherwise it raises:
`ApiError` for an error reply, `RawBodyError` for bytes instead of JSON (attachments),
`DropConnectionError` to announce a whole body and cut the connection halfway (a fault the
resilience tests inject). A `Router` finds the route of a method and path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

Reply = tuple[int, Any, dict[str, str]]


class Request(Protocol):
    """The request as a route sees it; the HTTP handler provides it."""

    command: str  # the HTTP method
    path: str  # the request target, query string included

    def header(self, name: str) -> str:
        """The header's value, "" when absent."""
        ...

    def absolute(self, path: str, params: Mapping[str, Any]) -> str:
        """An absolute URL on this server, with the parameters sorted and encoded."""
        ...


Route = Callable[[Request, dict[str, str], bytes], Reply]


class Router(Protocol):
    def route(self, method: str, path: str) -> Route:
        """The route for the method and path; raises ApiError 404, 405 or 410."""
        ...


class ApiError(Exception):
    """An error reply: status, JSON body, extra headers."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


class RawBodyError(Exception):
    """Raised by a route that answers 200 with bytes instead of JSON."""

    def __init__(self, data: bytes, content_type: str) -> None:
        super().__init__("raw")
        self.data = data
        self.content_type = content_type


class DropConnectionError(Exception):
    """Raised by a route whose 200 reply is to be cut off halfway through the body."""

    def __init__(self, payload: Any) -> None:
        super().__init__("drop")
        self.payload = payload
