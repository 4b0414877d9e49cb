"""A local ODK Central stand-in (API v1, OData) for the tests, `htsd serve-central` and trials.

`LocalCentral` (localcentral.store) holds the state: users and 24-hour sessions, projects,
forms with drafts and published versions, submissions with edits, review states, comments
and soft deletes, and the `Faults` (localkobo.faults) the tests switch on.
`LocalCentralServer` (localcentral.http) serves it over real HTTP on 127.0.0.1, the OData
(localcentral.odata) paged newest first with an opaque `$skiptoken`, refusing what Central
refuses. `localcentral.province` makes ready ones with the forms htsd builds, answered by
`localkobo.generate`. This package may use `forms` and `localkobo`, never `etl`,
`warehouse` or `validation`: it stands in for the server the product talks to.
"""

from localcentral.http import LocalCentralServer
from localcentral.store import CentralForm, CentralProblem, LocalCentral

__all__ = ["CentralForm", "CentralProblem", "LocalCentral", "LocalCentralServer"]
