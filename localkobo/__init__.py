"""A local KoboToolbox-compatible server (KPI API v2) for the tests, the benchmark,
`htsd serve-kobo` and `htsd demo`.

`LocalKobo` (localkobo.store) holds the state: tokens, assets and their versions,
submissions, validation statuses, and the `Faults` (localkobo.faults) the tests switch on.
`LocalKoboServer` (localkobo.http) serves it over real HTTP on 127.0.0.1, the routes
(localkobo.routes, localkobo.deploy_routes) answering as the real server does (the
checklist is docs/KOBO-API.md §12).
`localkobo.province` makes a ready one holding the Learning Family form as htsd builds it,
answered by `localkobo.generate` (which applies the form's expressions with
`localkobo.xpath`), or an empty account to deploy forms to. This package may use `forms`,
never `etl`, `warehouse` or `validation`: it stands in for the server the product talks to.
"""

from localkobo.faults import Faults
from localkobo.http import LocalKoboServer
from localkobo.store import LocalAsset, LocalKobo

__all__ = ["Faults", "LocalAsset", "LocalKobo", "LocalKoboServer"]
