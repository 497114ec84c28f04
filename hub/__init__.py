"""Signaalhub: the blind exchange hub of the Dutch debt early-warning chain."""

from hub.app import create_app
from hub.settings import Settings

__all__ = ["Settings", "create_app"]
