"""Use cases. The :class:`Services` object is built once in ``create_app`` (or by the CLI) and kept in
``app.extensions["signaalhub"]``; views reach it through :func:`current_services`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.engine import Engine

from hub.delivery.dispatcher import Dispatcher
from hub.keys import HubKeys, load_hub_keys
from hub.services.auth import Authenticator
from hub.services.cases import CaseService
from hub.services.consent import ConsentService
from hub.services.consent_expiry import ConsentExpiryService
from hub.services.directory import DirectoryService
from hub.services.directory_cache import DirectoryCache
from hub.services.evidence import EvidenceService
from hub.services.health import HealthService
from hub.services.matching import Matcher, load_model
from hub.services.reports import ReportService
from hub.services.retention import RetentionService
from hub.services.routing import RoutingService
from hub.services.settlements import SettlementServices
from hub.services.signals import SignalService
from hub.services.statistics import StatisticsService
from hub.services.subject_requests import SubjectRequestService
from hub.services.succession import SuccessionService
from hub.services.webhooks import WebhookService
from hub.settings import Settings

EXTENSION_KEY = "signaalhub"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: Engine
    keys: HubKeys
    clock: Callable[[], dt.datetime]
    health: HealthService
    auth: Authenticator
    directory: DirectoryService
    evidence: EvidenceService
    signals: SignalService
    routing: RoutingService
    webhooks: WebhookService
    dispatcher: Dispatcher
    cases: CaseService
    consent: ConsentService
    settlements: SettlementServices
    reports: ReportService
    statistics: StatisticsService
    retention: RetentionService
    succession: SuccessionService
    subject_requests: SubjectRequestService
    consent_expiry: ConsentExpiryService

    @classmethod
    def build(cls, settings: Settings, engine: Engine, clock: Callable[[], dt.datetime] = utc_now) -> Services:
        keys = load_hub_keys(settings)
        directory = DirectoryCache()  # one per process: auth and signal checks share it
        routing = RoutingService(engine, clock)
        consent = ConsentService(engine, keys, clock)
        cases = CaseService(engine, clock)
        return cls(
            routing=routing,
            webhooks=WebhookService(engine, settings, keys, clock),
            dispatcher=Dispatcher(engine, settings, keys, clock),
            settings=settings,
            engine=engine,
            keys=keys,
            clock=clock,
            signals=SignalService(engine, keys, clock, routing, Matcher(load_model(settings)), directory=directory),
            cases=cases,
            reports=ReportService(engine, clock, cases),
            statistics=StatisticsService(engine),
            retention=RetentionService(engine, settings, clock),
            succession=SuccessionService(engine, clock),
            subject_requests=SubjectRequestService(engine, settings, clock),
            consent_expiry=ConsentExpiryService(engine, settings, clock),
            consent=consent,
            settlements=SettlementServices.build(engine, clock, consent),
            health=HealthService(engine),
            auth=Authenticator(engine, settings, clock, directory),
            directory=DirectoryService(engine, clock),
            evidence=EvidenceService(engine),
        )


def current_services() -> Services:
    services: Services = current_app.extensions[EXTENSION_KEY]
    return services
