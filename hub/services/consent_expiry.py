"""Warning before consent expires (run by the scheduler): the organisation that recorded a consent gets a
``consent.expiring`` event ``HUB_CONSENT_WARN_DAYS`` (14) days before the consent's current term ends, so its
worker can ask the person to renew in time. Once per term: a renewal starts a new term, which is warned
about again; a withdrawn or already expired consent, and a consent of an erased case, is not warned about.

The event is thin like every other: ``{"object": "consent", "id": <consent id>}``; the recorder reads the
consent (and its expiry) with ``GET /v1/consents/{id}``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy.engine import Engine

from hub.db import consent as consent_repo
from hub.db import subject_requests as repo
from hub.db.signals import add_events
from hub.settings import Settings

log = logging.getLogger(__name__)


class ConsentExpiryService:
    def __init__(self, engine: Engine, settings: Settings, clock: Callable[[], dt.datetime]) -> None:
        self._engine, self._settings, self._clock = engine, settings, clock

    def run(self) -> int:
        """Warn about every consent whose current term ends within the warning period; the count warned."""
        now = self._clock()
        until = now + dt.timedelta(days=self._settings.consent_warn_days)
        warned = 0
        with self._engine.begin() as conn:
            events = []
            for consent_id in repo.consents_expiring(conn, now, until):
                record = consent_repo.get(conn, consent_id)
                if record is None:
                    continue
                status = record.status_at(now)
                if status.state != "active" or status.expires_at is None or status.expires_at > until:
                    continue  # withdrawn, not yet in effect, or renewed beyond the warning period
                if repo.erased_case_ids(conn, [record.case_id]):
                    continue
                if not repo.claim_expiry_warning(conn, record.id, status.expires_at, now):
                    continue
                warned += 1
                events.append(
                    {
                        "recipient_id": record.recorder_id,
                        "event_type": "consent.expiring",
                        "object_type": "consent",
                        "object_id": record.id,
                        "created_at": now,
                    }
                )
            add_events(conn, events)
        if warned:
            log.info("consent expiry: %d recorders warned", warned)
        return warned
