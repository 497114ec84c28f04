"""The one check every read of a case makes once the case is not found: was it erased? Then 410 Gone.

An erased case leaves a tombstone (``case_erasures``): its id, its municipality, when, on which ground and
by whom, with counts of what was deleted. Reads of the case by its municipality, and reads of its consents
by anyone who names it, get 410 ``case_erased``; another municipality gets the 404 it would get for any case
that is not its own.
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.db import subject_requests as repo
from hub.errors import Gone


def check_not_erased(conn: sa.Connection, case_id: str, *, municipality_id: str | None = None) -> None:
    """Raise 410 ``case_erased`` when ``case_id`` was erased (of ``municipality_id`` only, when given)."""
    stone = repo.tombstone(conn, case_id)
    if stone is None or (municipality_id is not None and stone.municipality_id != municipality_id):
        return
    erased_at = stone.erased_at.isoformat(timespec="seconds")
    raise Gone(
        f"Case {case_id} was erased at {erased_at}; the hub keeps only the record that it was.",
        code="case_erased",
        extra={"case_id": case_id, "erased_at": erased_at},
    )
