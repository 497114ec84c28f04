"""A real hub for the matching benchmark: migrated store, registered organisations with real keys, the
sample routing table, signals built by the adapter library and submitted to the ``SignalService``.

The hub's clock is simulated: it stands on the morning after each batch's signal date, so the linking
window and the key validity work as they would have on those days.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import os
import random
import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from adapters import crypto
from adapters.signals import Attestations, Crisis, RecipientKey, SignalFacts, build_signal
from hub import Settings
from hub.db import migrate
from hub.db.engine import make_engine
from hub.domain.evidence import Actor
from hub.services import Services
from hub.services.directory_cache import DirectoryCache
from hub.services.matching import Matcher, load_model
from hub.services.signals import SignalService
from schemas.v1.signal import load_signal
from tools import synth_names as names
from tools.synth import SyntheticSignal

LINKAGE_KEY = bytes(range(32))
SAMPLE_ROUTING = Path(__file__).resolve().parent.parent / "hub" / "data" / "routing-sample.csv"


class SimulatedClock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Timings:
    """Seconds spent per signal (a batch's time shared evenly among its signals), as wall-clock time and
    as CPU time of this process (which, with SQLite in the process, is all the hub's work, and does not
    count time the machine spent on other processes)."""

    seconds: dict[str, list[float]] = field(
        default_factory=lambda: {k: [] for k in ("link", "link_cpu", "hub", "hub_cpu")}
    )
    build_seconds: float = 0.0

    @property
    def count(self) -> int:
        return len(self.seconds["link"])

    def add(self, count: int, **spent: float) -> None:
        for name, value in spent.items():
            self.seconds[name].extend([value / count] * count)

    def rate(self, name: str, first: int, last: int) -> float:
        """Signals per second of ``name`` over signals ``first``..``last``."""
        return (last - first) / sum(self.seconds[name][first:last])


class TimedMatcher(Matcher):
    """The hub's matcher, timing each call."""

    last_seconds = last_cpu = 0.0

    def link(self, conn: sa.Connection, rows: Any, tokens: Any, now: dt.datetime) -> None:
        started, cpu = time.perf_counter(), time.process_time()
        super().link(conn, rows, tokens, now)
        self.last_seconds, self.last_cpu = time.perf_counter() - started, time.process_time() - cpu


class BenchHub:
    def __init__(
        self, url: str, data_dir: Path, signals: Sequence[SyntheticSignal], window_days: int | None = None
    ) -> None:
        first_day = signals[0].signal_date
        self.engine = make_engine(url)
        migrate.upgrade(self.engine)
        settings = Settings(env="test", data_dir=data_dir / "var", database_url=url)
        if window_days is not None:
            settings = dataclasses.replace(settings, match_window_days=window_days)
        self.clock = SimulatedClock(dt.datetime.combine(first_day - dt.timedelta(days=2), dt.time(6), dt.UTC))
        services = Services.build(settings, self.engine, clock=self.clock)
        self.model = load_model(settings)
        self.matcher = TimedMatcher(self.model)
        self.signals = SignalService(
            self.engine, services.keys, self.clock, services.routing, self.matcher, directory=DirectoryCache()
        )
        version = services.routing.import_text(Actor.operator(), SAMPLE_ROUTING.read_text(), source="sample")
        self.routing_version = version.version
        # the generator's creditors and municipalities, and any others a data set from elsewhere names
        self.kinds = names.creditor_kinds() | {s.creditor: s.creditor_kind for s in signals}
        codes = sorted(set(names.MUNICIPALITIES) | {s.municipality_code for s in signals})
        self.recipients = self._register(services, codes)

    def _register(self, services: Services, codes: Sequence[str]) -> dict[str, RecipientKey]:
        recipients = {}
        parties: list[tuple[str, str, str | None]] = [(f"gm{c}", "municipality", c) for c in codes]
        parties += [(org, kind, None) for org, kind in sorted(self.kinds.items())]
        for org, kind, code in parties:
            suite = "mlkem768-x25519" if kind == "municipality" else "x25519"
            services.directory.add_organisation(Actor.operator(), org, f"Bench {org}", kind, code)
            key = crypto.generate_encryption_key(suite)
            added = services.directory.add_key(Actor.operator(), org, "encryption", key.public_bytes(), suite=suite)
            recipients[org] = RecipientKey(org, added.key_id, suite, key.public_bytes())
        return recipients

    def build(self, signals: Sequence[SyntheticSignal], *, jobs: int = 0) -> list[dict[str, Any]]:
        """Envelopes built by the adapter library, in as many processes as there are cores."""
        started = time.perf_counter()
        rng = random.Random(len(signals))  # noqa: S311 - reproducible signal ids, not security
        items = [
            (s.identity, self._facts(s, uuid.UUID(int=rng.getrandbits(128), version=4)), s.creditor) for s in signals
        ]
        chunks = [items[i : i + 2000] for i in range(0, len(items), 2000)]
        workers = jobs or os.cpu_count() or 1
        with ProcessPoolExecutor(max_workers=workers) as pool:
            built = list(pool.map(_build_chunk, chunks, [self.recipients] * len(chunks)))
        self.build_seconds = time.perf_counter() - started
        print(f"built {len(items)} envelopes with the adapter library in {self.build_seconds:.1f} s", flush=True)
        return [envelope for chunk in built for envelope in chunk]

    def _facts(self, s: SyntheticSignal, signal_id: uuid.UUID) -> SignalFacts:
        day = s.signal_date
        return SignalFacts(
            signal_id=signal_id,
            sector=s.sector,
            amount_cents=s.amount_cents,
            arrears_since=day - dt.timedelta(days=30 * s.periods_in_arrears + 5),
            signal_date=day,
            periods_in_arrears=s.periods_in_arrears,
            periodic_charge_cents=s.periodic_charge_cents,
            attestations=Attestations(*(day - dt.timedelta(days=d) for d in (20, 18, 40, 40))),
            municipality_code=s.municipality_code,
            routing_version=self.routing_version,
            crisis=Crisis(*s.crisis) if s.crisis else None,
        )

    def submit(self, signals: Sequence[SyntheticSignal], envelopes: Sequence[dict[str, Any]]) -> Timings:
        """One batch per creditor per day, in order of signal date; prints progress."""
        # The prepared envelopes are millions of long-lived objects a hub never holds: keep the cyclic
        # garbage collector from rescanning them, or its pauses grow with the size of the run.
        gc.collect()
        gc.freeze()
        timings = Timings(build_seconds=self.build_seconds)
        start = 0
        while start < len(signals):
            end = start + 1
            key = (signals[start].signal_date, signals[start].creditor)
            while end < len(signals) and (signals[end].signal_date, signals[end].creditor) == key:
                end += 1
            self.clock.now = dt.datetime.combine(key[0] + dt.timedelta(days=1), dt.time(6), dt.UTC)
            actor = Actor(organisation_id=key[1], kind=self.kinds[key[1]])
            began, cpu = time.perf_counter(), time.process_time()
            loaded = [load_signal(e) for e in envelopes[start:end]]
            self.signals.submit(actor, loaded)
            timings.add(
                end - start,
                link=self.matcher.last_seconds,
                link_cpu=self.matcher.last_cpu,
                hub=time.perf_counter() - began,
                hub_cpu=time.process_time() - cpu,
            )
            if end // 10_000 > start // 10_000:
                print(f"  {end} signals stored and linked", flush=True)
            start = end
        return timings

    def close(self) -> None:
        self.engine.dispose()


def _build_chunk(
    items: list[tuple[dict[str, Any], SignalFacts, str]], recipients: Mapping[str, RecipientKey]
) -> list[dict[str, Any]]:
    return [
        build_signal(
            identity,
            facts,
            municipality=recipients[f"gm{facts.municipality_code}"],
            creditor=recipients[creditor],
            linkage_key=LINKAGE_KEY,
        )
        for identity, facts, creditor in items
    ]
