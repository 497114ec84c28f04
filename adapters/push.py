"""``signaal signals push``: read an export, validate every row, route, seal and send it in batches.

1. The whole file is read and every row validated (adapters.exports) before anything is sent.
2. The routing table and the directory are revalidated with the hub (adapters.hubview); each valid row
   is routed on postcode, house number and signal date. Rows that cannot be routed are rejected.
3. The rejected-rows report is written (adapters.report).
4. Rows are sealed and tokenised (``adapters.signals.build_signal``) batch by batch. Each signal's id is
   derived from the organisation, the file's SHA-256 and the line, and its envelope is committed to the
   state file (adapters.state) before the batch is posted, so that an interrupted push resumes by
   posting the very same envelopes again: the hub answers ``duplicate`` and no row is sent twice.
5. The hub's answers are handled as adapters.answers describes.

Nothing here logs or prints personal data: problems name lines and fields.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from adapters.answers import PushError, SetupProblem, explain
from adapters.client import HubClient, HubClientError, HubUnreachableError
from adapters.config import Config
from adapters.exports import ExportFileError, ExportRow, RowProblem, read_export
from adapters.hubview import HubCache, HubView, HubViewError, Route, build_view
from adapters.report import write_report
from adapters.sending import BatchSender, Sealer, signal_id_for
from adapters.state import PushState

T = TypeVar("T")
__all__ = ["Push", "PushCounts", "PushResult", "signal_id_for"]


@dataclass
class PushCounts:
    """Rows of the file and what became of them."""

    rows: int = 0
    rejected: int = 0
    created: int = 0
    duplicate: int = 0
    earlier: int = 0  # confirmed by the hub in an earlier run of the same file

    @property
    def sent(self) -> int:
        return self.created + self.duplicate


class Progress(Protocol):
    """How a push reports its progress (a progress bar on a terminal, log lines in the watcher)."""

    def start(self, total: int) -> None: ...

    def advance(self, done: int, counts: PushCounts) -> None: ...


class NoProgress:
    def start(self, total: int) -> None:
        pass

    def advance(self, done: int, counts: PushCounts) -> None:
        pass


@dataclass
class PushResult:
    path: Path
    digest: str
    counts: PushCounts
    report: Path
    dry_run: bool = False
    routing_note: str | None = None  # why routing was not checked (dry run without a hub)
    problems: list[RowProblem] = field(default_factory=list)


def _batches(items: Sequence[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def file_digest(path: Path) -> str:
    """The SHA-256 of the file's bytes, hex: the identity of an export in the state file."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise ExportFileError(f"cannot read the file: {error.strerror or type(error).__name__}") from error


def default_report(config: Config, path: Path, digest: str) -> Path:
    return config.data_dir / "reports" / f"{path.stem}-{digest[:8]}.rejected.csv"


class Push:
    """Pushes export files for one configured organisation."""

    def __init__(
        self,
        config: Config,
        *,
        client: HubClient | None = None,
        progress: Progress | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.config, self.layout = config, config.layout()
        self.client = client or config.client()
        self.progress = progress or NoProgress()
        self.stop = stop or threading.Event()
        self.cache = HubCache(self.client, config.data_dir / "cache")
        self.state = PushState(config.data_dir / "state.sqlite3")
        self.linkage_key = config.linkage_key()
        self.own_public = config.encryption_key().public_bytes()

    def view(self) -> HubView:
        """The routing table and directory, revalidated with the hub."""
        try:
            return self.cache.view(self.config.organisation_id, self.own_public)
        except (HubClientError, HubUnreachableError) as error:
            raise explain(error, self.config.hub_url) from None
        except HubViewError as error:
            raise SetupProblem(str(error)) from None

    def run(
        self, path: Path, *, dry_run: bool = False, batch_size: int | None = None, report: Path | None = None
    ) -> PushResult:
        """Push ``path`` (or with ``dry_run`` only validate and route it); raises ``PushError`` or
        ``ExportFileError`` when it cannot complete. The report is written in either case."""
        digest = file_digest(path)
        reading = read_export(path, self.layout)
        target = report or default_report(self.config, path, digest)
        result = PushResult(path, digest, PushCounts(rows=reading.total), target, dry_run, problems=reading.problems)
        self._finish_report(result)  # before the hub is asked anything, so it exists whatever happens next
        view, result.routing_note = self._view_for(dry_run)
        routes = self._route(reading.rows, view, result.problems) if view is not None else {}
        self._finish_report(result)
        if dry_run or view is None:
            return result
        self.state.begin_file(digest, path.name, self.layout.name, reading.total, result.counts.rejected)
        sealer = Sealer(self, view, digest, {row.line: row for row in reading.rows}, result)
        sender = BatchSender(self, sealer, result)
        try:
            self._send(sender, sealer, routes, digest, batch_size or self.config.batch_size)
        finally:
            self._finish_report(result)
        self.state.complete_file(digest, result.counts.rejected)
        return result

    def _view_for(self, dry_run: bool) -> tuple[HubView | None, str | None]:
        """The hub's view; in a dry run without a hub, the cached one (or none), with a note saying so."""
        try:
            return self.view(), None
        except PushError as error:
            if not dry_run:
                raise
            routing, directory = self.cache.cached("routing"), self.cache.cached("directory")
            if routing is None or directory is None:
                return None, f"rows were not routed: {error}"
            try:
                cached = build_view(routing["body"], directory["body"], self.config.organisation_id, self.own_public)
            except HubViewError as why:
                return None, f"rows were not routed: {why}"
            return cached, f"routed with the cached routing table of {routing.get('fetched_at')}: {error}"

    def _route(self, rows: list[ExportRow], view: HubView, problems: list[RowProblem]) -> dict[int, Route]:
        routes: dict[int, Route] = {}
        column = self.layout.column("postcode") or self.layout.column("street_and_number") or ""
        for row in rows:
            address = row.identity["address"]
            route = view.route(address["postcode"], address["house_number"], row.facts.signal_date)
            if isinstance(route, str):
                problems.append(RowProblem(row.line, "address.postcode", column, route))
            else:
                routes[row.line] = route
        return routes

    def _send(self, sender: BatchSender, sealer: Sealer, routes: dict[int, Route], digest: str, size: int) -> None:
        pending = self.state.planned(digest)
        done = self.state.done_lines(digest)
        todo = [line for line in sorted(routes) if line not in done]
        sender.result.counts.earlier = len(done) - len(pending)
        self.progress.start(len(pending) + len(todo))
        for planned in _batches(pending, size):
            sender.post(planned)
        for lines in _batches(todo, size):
            sealed = [item for item in (sealer.seal(line, routes[line]) for line in lines) if item is not None]
            self.state.plan(digest, sealed)
            sender.post(sealed)

    def _finish_report(self, result: PushResult) -> None:
        result.counts.rejected = len({problem.line for problem in result.problems})
        write_report(result.report, result.problems)
