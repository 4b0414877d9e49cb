"""The validation seat of the load: what runs on each normalised batch before it is written.

The typed-table load (warehouse/load.py) calls `validate_batch` between normalising a batch
and writing it, and stores the findings returned beside its own. The expectation suites and
domain rules of the validation issue plug in here; until then no rule runs and the batch
passes as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from forms.findings import Finding
from warehouse.load import TypedBatch


def validate_batch(batch: TypedBatch) -> Sequence[Finding]:
    """The findings of the validation rules on one batch (none yet: no rule is written)."""
    del batch
    return ()
