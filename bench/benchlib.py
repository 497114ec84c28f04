"""Shared pieces of the bench/ scripts: databases, a `hub serve` subprocess, registration, synthetic people,
real sealed signals and cheap derived ones, a signing HTTP client, CPU accounting and percentiles.

Not part of the test suite and not imported by the hub. Everything here runs on loopback and cleans up what
it started: the databases it created (PostgreSQL) or its scratch directory (SQLite), and the processes it
spawned (by their own process ids).
"""

from __future__ import annotations

import base64
import contextlib
import csv
import datetime as dt
import http.client
import itertools
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ed25519

# The code measured is that of the checkout these scripts are in, whatever the environment has installed
# (an editable install of another checkout, say, when two versions are compared side by side): it comes
# first on this process's path, before the project's modules are imported, and on the hub processes'
# (Process). bench/ also runs beside tests/: the hub processes start as the integration tests start them.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters import crypto
from adapters.signals import Attestations, Crisis, RecipientKey, SignalFacts, build_signal
from hub.db import migrate
from hub.db.engine import make_engine
from hub.domain.evidence import Actor
from hub.services.directory import DirectoryService
from hub.services.routing import RoutingService
from schemas import httpsig
from tests.support.hubproc import free_port, hub_env

REPO = Path(__file__).resolve().parent.parent
ROUTING_SAMPLE = REPO / "hub" / "data" / "routing-sample.csv"
HUB_EXE = Path(sys.executable).with_name("hub")
BSN_SECTORS = frozenset({"zorg", "cak_zorgverzekeringen", "cak_eigen_bijdrage"})
#: The creditors that push batches: one per kind with its sector.
CREDITORS = (
    ("woonstad", "housing", "huur"),
    ("vattenfall", "energy", "energie"),
    ("vitens", "water", "water"),
    ("zilveren-kruis", "health_insurer", "zorg"),
)
_DB_NAME = re.compile(r"[a-z_][a-z0-9_]{0,40}")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the machine -------------------------------------------------------------------------------------


def machine_lines(database_url: str | None = None) -> list[str]:
    """What the figures were measured on."""
    mem = next(
        (ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")), ""
    )
    model = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in ln),
        platform.processor(),
    )
    lines = [
        f"machine: {os.cpu_count()} cores ({model}), {int(mem) / 1024 / 1024:.1f} GiB RAM, "
        f"load average at start {os.getloadavg()[0]:.2f}",
        f"python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, SQLAlchemy {sa.__version__}",
    ]
    if database_url and database_url.startswith("postgresql"):
        engine = sa.create_engine(database_url)
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SHOW server_version").scalar_one()
            settings = {
                name: conn.exec_driver_sql(f"SHOW {name}").scalar_one()
                for name in ("shared_buffers", "random_page_cost", "synchronous_commit", "fsync")
            }
        engine.dispose()
        lines.append(f"PostgreSQL {version} ({', '.join(f'{k}={v}' for k, v in settings.items())})")
    return lines


# --- databases -----------------------------------------------------------------------------------------


def is_postgres(url: str | None) -> bool:
    return bool(url) and sa.make_url(str(url)).get_backend_name() == "postgresql"


@contextlib.contextmanager
def database(url: str | None, scratch: Path, suffix: str, *, keep: bool = False, migrate: bool = True) -> Iterator[str]:
    """A fresh database, migrated to the hub's schema unless not ``migrate``: an SQLite file in ``scratch``,
    or (``url`` names PostgreSQL) a new database named after ``url``'s plus ``suffix``, which must not exist
    yet; it is dropped afterwards unless ``keep``."""
    if not is_postgres(url):
        path = scratch / f"{suffix}.sqlite3"
        sqlite_url = f"sqlite:///{path}"
        if migrate:
            _migrate(sqlite_url)
        yield sqlite_url
        return
    parsed = sa.make_url(str(url)).set(drivername="postgresql+psycopg")
    name = f"{parsed.database}_{suffix}"
    if not _DB_NAME.fullmatch(name):
        raise SystemExit(f"use a database name of lower-case letters, digits and underscores, not {name!r}")
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            admin.dispose()
            raise SystemExit(f"database {name} exists already: the bench creates and drops its own databases")
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    created = parsed.set(database=name).render_as_string(hide_password=False)
    try:
        if migrate:
            _migrate(created)
        yield created
    finally:
        if keep:
            log(f"kept database {name}")
        else:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _migrate(url: str) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()


def count_rows(url: str, table: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        value = int(conn.execute(sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one())
    engine.dispose()
    return value


class AutoAnalyze:
    """autovacuum's ANALYZE rule, run from the bench: this cluster runs with autovacuum=off, and the hub's
    queries are planned from statistics. Every ``every`` seconds, each table of the database changed by more
    than autovacuum_analyze_threshold (50) + autovacuum_analyze_scale_factor (0.1) x its rows since its last
    analyze is analyzed, as autovacuum would on a default server. ``every`` = 0 disables it."""

    QUERY = (
        "SELECT relname FROM pg_stat_user_tables "
        "WHERE n_mod_since_analyze > 50 + 0.1 * greatest(n_live_tup, 0) ORDER BY relname"
    )

    def __init__(self, url: str | None, every: float) -> None:
        self.url = url if is_postgres(url) and every > 0 else None
        self.every = every
        self.runs = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> AutoAnalyze:
        if self.url:
            self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=120)

    def run_once(self) -> list[str]:
        if not self.url:
            return []
        engine = sa.create_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                due = [row[0] for row in conn.exec_driver_sql(self.QUERY)]
                for name in due:
                    conn.exec_driver_sql(f'ANALYZE "{name}"')
        finally:
            engine.dispose()
        self.runs += len(due)
        return due

    def _loop(self) -> None:
        while not self.stop.wait(self.every):
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self.run_once()


# --- processes -----------------------------------------------------------------------------------------


class Process:
    """A `hub` subprocess (serve or scheduler) in its own session; stopped with SIGTERM to its own pid."""

    def __init__(self, args: Sequence[str], env: dict[str, str], log_path: Path) -> None:
        self.args, self.env, self.log_path = list(args), env, log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**self.env, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), self.env.get("PYTHONPATH")]))}
        with self.log_path.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(HUB_EXE), *self.args], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def children(self) -> list[int]:
        """The pids of this process's children (gunicorn's workers)."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, IndexError):
                    if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == self.pid:
                        found.append(int(entry.name))
        return found


class HubServer(Process):
    """`hub serve` (gunicorn) on a free loopback port."""

    def __init__(self, database_url: str, data_dir: Path, log_path: Path, workers: int = 2, **env: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        args = ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)]
        super().__init__(args, hub_env(database_url, data_dir, **env), log_path)
        self.workers = workers

    def __enter__(self) -> HubServer:
        self.start()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise SystemExit(f"hub serve exited ({self.proc.returncode}); see {self.log_path}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200 and len(self.children()) >= self.workers:
                    conn.close()
                    return self
                conn.close()
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"hub serve did not become healthy; see {self.log_path}")

    def __exit__(self, *_: object) -> None:
        self.stop()


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds of ``pids`` so far (0 for a pid that is gone)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / tick


def postgres_backends(database_name: str) -> list[int]:
    """PostgreSQL backend processes serving ``database_name`` (their title names the database)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                if title.startswith("postgres:") and f" {database_name} " in title:
                    found.append(int(entry.name))
    return found


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / tick, sum(values) / tick


class CpuMeter:
    """CPU seconds spent by the hub's workers, this process, PostgreSQL backends and the whole machine."""

    def __init__(self, server: Process, database_name: str | None = None) -> None:
        self.server, self.database_name = server, database_name
        self.start = self._read()

    def _read(self) -> dict[str, float]:
        busy, total = machine_busy()
        times = os.times()
        reading = {
            "hub": cpu_seconds(self.server.children()),
            "client": times.user + times.system,
            "machine_busy": busy,
            "machine_total": total,
            "wall": time.monotonic(),
        }
        if self.database_name:
            reading["postgres"] = cpu_seconds(postgres_backends(self.database_name))
        return reading

    def split(self) -> dict[str, float]:
        """Cores used by each party since the start (CPU seconds per wall second)."""
        now = self._read()
        wall = now["wall"] - self.start["wall"]
        # backends come and go (pooled connections persist, so this is close); never report less than 0
        out = {k: max(0.0, (now[k] - self.start.get(k, 0.0)) / wall) for k in ("hub", "client", "postgres") if k in now}
        out["machine"] = (now["machine_busy"] - self.start["machine_busy"]) / wall
        out["cores"] = (now["machine_total"] - self.start["machine_total"]) / wall
        return out


def describe_split(split: dict[str, float]) -> str:
    parts = [f"hub workers {split['hub']:.2f}", f"bench client {split['client']:.2f}"]
    if "postgres" in split:
        parts.append(f"postgres backends {split['postgres']:.2f}")
    parts.append(f"whole machine {split['machine']:.2f} of {split['cores']:.0f}")
    return "cores busy: " + ", ".join(parts)


# --- registration ------------------------------------------------------------------------------------


@dataclass
class Party:
    org_id: str
    kind: str
    sector: str | None
    signing_key: ed25519.Ed25519PrivateKey
    key_id: str
    encryption_key: crypto.EncryptionPrivateKey
    recipient: RecipientKey
    municipality_code: str | None = None


@dataclass
class Registry:
    routing_version: str
    municipalities: dict[str, Party]
    creditors: list[Party]
    ranges: dict[str, list[tuple[int, int]]]

    @property
    def parties(self) -> list[Party]:
        return [*self.municipalities.values(), *self.creditors]


def active_ranges(today: dt.date | None = None) -> dict[str, list[tuple[int, int]]]:
    """Municipality code -> 4-digit postcode ranges valid today, from the sample routing table."""
    today = today or dt.date.today()
    ranges: dict[str, list[tuple[int, int]]] = {}
    with ROUTING_SAMPLE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            area = row["postcode"]
            if not re.fullmatch(r"\d{4}(-\d{4})?", area):
                continue  # a six-position postcode split by house number
            if dt.date.fromisoformat(row["valid_from"]) > today or (
                row["valid_to"] and dt.date.fromisoformat(row["valid_to"]) <= today
            ):
                continue
            first, _, last = area.partition("-")
            ranges.setdefault(row["gemeentecode"], []).append((int(first), int(last or first)))
    return ranges


def register(database_url: str, suite: str = "mlkem768-x25519") -> Registry:
    """Import the sample routing table and register one municipality per active code and the creditors,
    each with an Ed25519 signing key and an encryption key of ``suite``, through the hub's own services."""
    engine = make_engine(database_url)
    operator = Actor.operator()
    directory = DirectoryService(engine, utc_now)
    routing = RoutingService(engine, utc_now)
    version = routing.import_text(operator, ROUTING_SAMPLE.read_text(encoding="utf-8"), source=ROUTING_SAMPLE.name)

    def add(org_id: str, kind: str, sector: str | None, code: str | None) -> Party:
        directory.add_organisation(operator, org_id, f"Bench {org_id}", kind, code)
        signing = crypto.generate_signing_key()
        key_id = f"{org_id}-sig-1"
        directory.add_key(operator, org_id, "signing", crypto.signing_public_bytes(signing), key_id=key_id)
        enc = crypto.generate_encryption_key(suite)
        registered = directory.add_key(operator, org_id, "encryption", enc.public_bytes(), suite=suite)
        recipient = RecipientKey(org_id, registered.key_id, suite, enc.public_bytes())
        return Party(org_id, kind, sector, signing, key_id, enc, recipient, code)

    ranges = active_ranges()
    municipalities = {code: add(f"gm{code}", "municipality", None, code) for code in sorted(ranges)}
    creditors = [add(org_id, kind, sector, None) for org_id, kind, sector in CREDITORS]
    engine.dispose()
    return Registry(version.version, municipalities, creditors, ranges)


# --- synthetic people and real signals ------------------------------------------------------------------

_FIRST = "Annelies Bart Cornelia Desiree Evert Fenna Gijs Hendrika Ingrid Jacobus Klaas Lotte Marijke Nico Pieter Sanne"
_SYL_A = (
    "Zand Wijn Dekker Molen Brugge Hoog Vlieger Kamper Stroom Linde Eikel Vossen Haver Roozen Kwak Tulp Smit Bakker"
)
_SYL_B = "vliet bergen huizen kamp straat veld meijer broek gracht hoven wijk dijk horst waard mans sloot"
_PREFIXES = ("van", "de", "van der", "van den", "ter", "van 't")
_STREETS = "Lijsterbeslaan Goudsbloemstraat Korenbloemhof Zwanenvlietkade Reigersbekweg Nachtegaalpad Kastanjedreef"
_TOWNS = "Oudeschans Waaxens Hegelsom Ouwerkerk Aalsmeer Oosterwolde Nieuw-Lekkerland De Rips"
_LETTERS = "ABCEGHJKLMNPRSTVXZ"


def _bsn(rng: random.Random) -> str:
    while True:
        digits = [9, 9, 9, 9, 9, *(rng.randrange(10) for _ in range(3))]
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            return "".join(map(str, [*digits, check]))


def synthetic_identity(rng: random.Random, ranges: list[tuple[int, int]], sector: str, index: int) -> dict[str, Any]:
    """A plausible identity payload: one debtor (two on a fifth of rental contracts), optional fields as
    real exports have them, a postcode inside the municipality's ranges."""
    today = dt.date.today()
    debtors = []
    for _ in range(2 if sector == "huur" and rng.random() < 0.2 else 1):
        first = rng.choice(_FIRST.split())
        debtor: dict[str, Any] = {
            "surname": rng.choice(_SYL_A.split()) + rng.choice(_SYL_B.split()),
            "initials": f"{first[0]}.{rng.choice(_LETTERS)}.",
        }
        if rng.random() < 0.6:
            debtor["first_names"] = first
        if rng.random() < 0.3:
            debtor["name_prefix"] = rng.choice(_PREFIXES)
        if rng.random() < 0.9:
            debtor["date_of_birth"] = (today - dt.timedelta(days=rng.randint(18 * 366, 90 * 365))).isoformat()
        if rng.random() < 0.6:
            debtor["phone"] = f"06-{rng.randint(10_000_000, 99_999_999)}"
        if rng.random() < 0.4:
            debtor["email"] = f"{first.lower()}.{debtor['surname'].lower()}{rng.randint(1, 99)}@example.nl"
        if sector in BSN_SECTORS:
            debtor["bsn"] = _bsn(rng)
        debtors.append(debtor)
    low, high = rng.choice(ranges)
    address: dict[str, Any] = {
        "street": rng.choice(_STREETS.split()),
        "house_number": rng.randint(1, 400),
        "postcode": f"{rng.randint(low, high)} {rng.choice(_LETTERS)}{rng.choice(_LETTERS)}",
        "town": rng.choice(_TOWNS.split()),
    }
    if rng.random() < 0.1:
        address["house_number_addition"] = rng.choice(("A", "B", "1-hoog", "II", "bis"))
    return {"debtors": debtors, "address": address, "creditor_reference": f"K{index:07d}-{rng.randint(1000, 9999)}"}


def synthetic_facts(rng: random.Random, sector: str, code: str, version: str) -> SignalFacts:
    today = dt.date.today()
    signal_date = today - dt.timedelta(days=rng.randint(0, 30))
    reminder = signal_date - dt.timedelta(days=rng.randint(20, 40))
    crisis = None
    if rng.random() < 0.05 and sector in ("huur", "energie", "water"):
        kind = "eviction" if sector == "huur" else "end_of_supply"
        crisis = Crisis(kind, signal_date + dt.timedelta(days=rng.randint(20, 90)))
    periods = rng.randint(1, 12)
    charge = rng.randint(3_000, 120_000)
    return SignalFacts(
        signal_id=uuid.uuid4(),
        sector=sector,
        amount_cents=periods * charge + rng.randint(0, 5_000),
        arrears_since=signal_date - dt.timedelta(days=30 * periods + rng.randint(10, 60)),
        signal_date=signal_date,
        periods_in_arrears=periods,
        periodic_charge_cents=charge,
        attestations=Attestations(
            personal_contact_attempted=signal_date - dt.timedelta(days=rng.randint(3, 19)),
            debt_help_pointed_out=signal_date - dt.timedelta(days=rng.randint(3, 19)),
            written_reminder_sent=reminder,
            transfer_offered=reminder,
        ),
        municipality_code=code,
        routing_version=version,
        warm_handover=rng.random() < 0.1,
        crisis=crisis,
    )


#: The chain's shared linkage key (the adapters of all creditors use one, so tokens agree across creditors).
LINKAGE_KEY = bytes(range(32))


def build_pool(registry: Registry, per_pair: int, seed: int = 11) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """``per_pair`` real signals, built and sealed by adapters.signals.build_signal, per (creditor,
    municipality): the bases from which the bench derives the rest."""
    rng = random.Random(seed)  # noqa: S311 - synthetic people, reproducible
    pool: dict[tuple[str, str], list[dict[str, Any]]] = {}
    index = 0
    for creditor in registry.creditors:
        assert creditor.sector is not None
        for code, municipality in registry.municipalities.items():
            built = []
            for _ in range(per_pair):
                index += 1
                identity = synthetic_identity(rng, registry.ranges[code], creditor.sector, index)
                facts = synthetic_facts(rng, creditor.sector, code, registry.routing_version)
                built.append(
                    build_signal(
                        identity,
                        facts,
                        municipality=municipality.recipient,
                        creditor=creditor.recipient,
                        linkage_key=LINKAGE_KEY,
                    )
                )
            pool[(creditor.org_id, code)] = built
    return pool


def fresh_token() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii")


@dataclass
class _Ring:
    """The most recent items, for picking a random earlier signal in O(1)."""

    capacity: int
    items: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    next: int = 0

    def add(self, item: tuple[str, list[dict[str, Any]]]) -> None:
        if len(self.items) < self.capacity:
            self.items.append(item)
        else:
            self.items[self.next] = item
            self.next = (self.next + 1) % self.capacity


class Deriver:
    """Derives signals from the pool: a base signal of the same creditor and municipality under a new
    signal_id, with new token values. The hub cannot open sealed blobs, so to it a reused blob under another
    id is indistinguishable from a new one (only the municipality could tell, when opening it).

    A share ``link_share`` of the signals takes the person and household tokens of a random earlier signal
    to the same municipality (the same household signalled again, mostly by another creditor), so that the
    hub links them into one case; of those that hit the same creditor, half keep its contract token (a
    repeat report). The rest carry fresh random tokens (a household new to the hub).
    """

    def __init__(
        self,
        registry: Registry,
        pool: dict[tuple[str, str], list[dict[str, Any]]],
        *,
        link_share: float = 0.25,
        seed: int = 5,
        history: int = 20_000,
    ) -> None:
        self.registry, self.pool, self.link_share = registry, pool, link_share
        self.rng = random.Random(seed)  # noqa: S311 - workload shape, not secrets
        self.codes = sorted(registry.municipalities)
        self.history = {code: _Ring(history) for code in self.codes}
        self.linked = 0
        self.made = 0

    def signal(self, creditor: Party) -> dict[str, Any]:
        rng = self.rng
        code = rng.choice(self.codes)
        base = rng.choice(self.pool[(creditor.org_id, code)])
        earlier = self.history[code].items
        if earlier and rng.random() < self.link_share:
            other, tokens = earlier[rng.randrange(len(earlier))]
            keep_contract = other == creditor.org_id and rng.random() < 0.5
            tokens = [
                t
                for t in tokens
                if (t["kind"] != "contract" or keep_contract) and (t["kind"] != "bsn" or creditor.sector in BSN_SECTORS)
            ]
            if not keep_contract:
                tokens.append({"kind": "contract", "value": fresh_token(), "debtor": None})
            self.linked += 1
        else:
            tokens = [{"kind": t["kind"], "value": fresh_token(), "debtor": t["debtor"]} for t in base["tokens"]]
        tokens.sort(key=lambda t: (t["kind"], -1 if t["debtor"] is None else t["debtor"], t["value"]))
        self.history[code].add((creditor.org_id, tokens))
        self.made += 1
        signal = dict(base)
        signal["signal_id"] = str(uuid.uuid4())
        signal["tokens"] = tokens
        signal["amount_cents"] = base["amount_cents"] + rng.randint(0, 50_000)
        return signal

    def batch(self, creditor: Party, size: int) -> list[dict[str, Any]]:
        return [self.signal(creditor) for _ in range(size)]


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


# --- a signing client --------------------------------------------------------------------------------


class Client:
    """Signs (RFC 9421, ``schemas.httpsig`` as adapters/client.py does) and posts over a new loopback
    connection per request: gunicorn's sync workers close the connection after each answer anyway."""

    def __init__(self, base_url: str, party: Party, timeout: float = 120.0) -> None:
        self.base_url, self.party, self.timeout = base_url, party, timeout
        self.host, _, port = base_url.removeprefix("http://").partition(":")
        self.port = int(port or 80)

    def headers(self, method: str, path: str, body: bytes) -> dict[str, str]:
        digest = httpsig.content_digest(body)
        params = httpsig.SignatureParams(
            created=int(time.time()), nonce=secrets.token_urlsafe(24), keyid=self.party.key_id
        )
        signature = self.party.signing_key.sign(httpsig.signature_base(method, self.base_url + path, digest, params))
        headers = {"Content-Digest": digest, **httpsig.signature_headers(params, signature)}
        if method == "POST":
            headers["Content-Type"] = "application/json"
        return headers

    def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=self.headers(method, path, body))
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        return self.request("POST", path, body)


# --- batch loading -----------------------------------------------------------------------------------


@dataclass
class Done:
    at: float  # monotonic time the answer arrived
    count: int
    seconds: float  # request time


@dataclass
class BatchLoader:
    """Posts signed batches of derived signals from ``concurrency`` threads until the store holds a mark."""

    server: HubServer
    registry: Registry
    deriver: Deriver
    batch: int
    concurrency: int
    sent: int = 0
    done: list[Done] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.clients = [Client(self.server.base_url, party) for party in self.registry.creditors]
        self.turn = itertools.cycle(range(len(self.clients)))

    def run_until(self, mark: int) -> None:
        threads = [threading.Thread(target=self._worker, args=(mark,)) for _ in range(self.concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if self.errors:
            raise SystemExit(f"{len(self.errors)} batch(es) failed; first: {self.errors[0]}")

    def _worker(self, mark: int) -> None:
        while True:
            with self.lock:
                size = min(self.batch, mark - self.sent)
                if size <= 0 or self.errors:
                    return
                self.sent += size
                client = self.clients[next(self.turn)]
                signals = self.deriver.batch(client.party, size)
            body = dumps({"signals": signals})
            started = time.monotonic()
            try:
                status, answer = client.post("/v1/signals/batch", body)
            except OSError as error:
                status, answer = 0, repr(error).encode()
            finished = time.monotonic()
            with self.lock:
                if status != 201 or answer.count(b'"created"') != size:
                    self.errors.append(f"{status} {answer[:300]!r}")
                    return
                self.done.append(Done(finished, size, finished - started))

    def window(self, first: int, last: int) -> tuple[float, list[Done]]:
        """Signals per second from when ``first`` signals were stored until ``last`` were, and those batches."""
        total, start_total, start_at, previous_at = 0, 0, None, None
        inside: list[Done] = []
        for item in self.done:
            if start_at is None and total >= first:
                start_at = previous_at if previous_at is not None else item.at - item.seconds
                start_total = total
            total += item.count
            previous_at = item.at
            if start_at is not None:
                inside.append(item)
            if total >= last:
                break
        if start_at is None or not inside:
            return float("nan"), inside
        return (total - start_total) / (inside[-1].at - start_at), inside


# --- figures ------------------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (nan when empty)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(-(-fraction * len(sorted_values) // 1))))
    return sorted_values[rank - 1]


@contextlib.contextmanager
def scratch_dir(keep: bool = False) -> Iterator[Path]:
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"signaalhub-bench-{os.getpid()}"  # noqa: S108
    path.mkdir(parents=True, exist_ok=False)
    try:
        yield path
    finally:
        if keep:
            log(f"kept {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)
