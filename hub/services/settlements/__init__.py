"""Debt help and settlements (Flow 4-5, issue 8): referral, the dossier and its creditors, the messages of the
minnelijke schuldregeling under each creditor's convenant, and the deadlines the scheduler chases.

:class:`SettlementServices` is one field of :class:`hub.services.Services`; the API and the jobs reach the
use cases through it. docs/settlements.md describes the flow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from hub.services.consent import ConsentService
from hub.services.settlements.convenants import ConvenantService
from hub.services.settlements.deadlines import DeadlineService
from hub.services.settlements.dossiers import DossierService
from hub.services.settlements.inbox import InboxService
from hub.services.settlements.incoming import IncomingService
from hub.services.settlements.outgoing import OutgoingService
from hub.services.settlements.proposals import ProposalService
from hub.services.settlements.referrals import ReferralService


@dataclass(frozen=True)
class SettlementServices:
    convenants: ConvenantService
    referrals: ReferralService
    dossiers: DossierService
    outgoing: OutgoingService
    proposals: ProposalService
    incoming: IncomingService
    inbox: InboxService
    deadlines: DeadlineService

    @classmethod
    def build(cls, engine: Engine, clock: Callable[[], dt.datetime], consent: ConsentService) -> SettlementServices:
        return cls(
            convenants=ConvenantService(engine, clock),
            referrals=ReferralService(engine, clock, consent),
            dossiers=DossierService(engine, clock, consent),
            outgoing=OutgoingService(engine, clock),
            proposals=ProposalService(engine, clock),
            incoming=IncomingService(engine, clock, consent),
            inbox=InboxService(engine, clock),
            deadlines=DeadlineService(engine, clock),
        )
