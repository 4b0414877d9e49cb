"""A local KoboToolbox-compatible server (API v2), faithful to ../shared/KOBO-API.md §12.

Used by the tests, the benchmark and `htsd demo`. `LocalKobo` holds the state (assets,
versions, submissions, tokens, faults); `LocalKoboServer` serves it over real HTTP on
127.0.0.1.
"""

from localkobo.server import LocalKoboServer
from localkobo.store import Faults, LocalAsset, LocalKobo

__all__ = ["Faults", "LocalAsset", "LocalKobo", "LocalKoboServer"]
