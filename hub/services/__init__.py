"""Use cases. The :class:`Services` object is built once in ``create_app`` and kept in
``app.extensions["signaalhub"]``; views reach it through :func:`current_services`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy.engine import Engine

from hub.services.health import HealthService
from hub.settings import Settings

EXTENSION_KEY = "signaalhub"


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: Engine
    health: HealthService

    @classmethod
    def build(cls, settings: Settings, engine: Engine) -> Services:
        return cls(settings=settings, engine=engine, health=HealthService(engine))


def current_services() -> Services:
    services: Services = current_app.extensions[EXTENSION_KEY]
    return services
