"""The body of a consent a municipality records for a household's referral to debt help."""

from __future__ import annotations

import datetime as dt
from typing import Any


def consent_body(
    case_id: str, *, days: int, method: str = "in_person", now: dt.datetime | None = None
) -> dict[str, Any]:
    """A ``POST /v1/consents`` body: ``debt_help_referral`` for ``kredietbank``, given ``now`` (default:
    the current time) and running ``days``."""
    given = now or dt.datetime.now(dt.UTC)
    body = {
        "case_id": case_id,
        "purpose": "debt_help_referral",
        "recipients": ["kredietbank"],
        "method": method,
        "given_at": given.isoformat(),
        "expires_at": (given + dt.timedelta(days=days)).isoformat(),
    }
    return body
