"""The hub's one builder of outbound HTTP sessions: timeouts always, no redirects, no proxies from the
environment, and no automatic retries (the outbox schedules its own)."""

from __future__ import annotations

import requests


def build_session(user_agent: str = "Signaalhub-Webhooks/1") -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # a webhook must go where it was registered, not via an ambient proxy
    session.max_redirects = 0
    session.headers.update({"User-Agent": user_agent, "Content-Type": "application/json"})
    return session
