"""Sealing rows into signals and posting them in batches, handling each answer of the hub.

``Sealer`` turns a routed row into its envelope under its derived signal id; ``BatchSender`` posts a
batch whose envelopes are already committed to the state file, and deals with the answers as
adapters.answers describes, recording every row the hub rejects as a problem of that row.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Final

from marshmallow import ValidationError

from adapters import crypto
from adapters.answers import REFRESH_CODES, PushError, PushInterrupted, classify, explain
from adapters.client import HubClientError, HubUnreachableError
from adapters.exports import ExportRow
from adapters.exports.checks import field_of, flatten
from adapters.exports.rows import problem
from adapters.hubview import HubView, Route
from adapters.signals import build_signal
from adapters.state import Planned
from schemas.v1.identity import dump_identity

if TYPE_CHECKING:
    from adapters.push import Push, PushResult

#: Namespace of the derived signal ids (UUID version 5 of ``org|file sha256|line``).
SIGNAL_ID_NAMESPACE: Final = uuid.UUID("5f0e7a52-6c1d-4e0b-9a57-3c2d8e1f4b60")
#: How often one batch may fetch the routing table and directory again before the push gives up.
MAX_REFRESHES: Final = 2


def signal_id_for(organisation_id: str, digest: str, line: int) -> uuid.UUID:
    """The signal id of a row: the same file pushed again gives the same ids."""
    return uuid.uuid5(SIGNAL_ID_NAMESPACE, f"{organisation_id}|{digest}|{line}")


class Sealer:
    """Builds the envelope of a row with the current view of the hub (refreshed on request)."""

    def __init__(self, push: Push, view: HubView, digest: str, rows: dict[int, ExportRow], result: PushResult):
        self.push, self.view, self.digest, self.rows, self.result = push, view, digest, rows, result

    def reject(self, line: int, field: str, reason: str) -> None:
        self.result.problems.append(problem(self.push.layout, line, field_of(field), field, reason))

    def seal(self, line: int, route: Route) -> Planned | None:
        """The planned signal of the row at ``line``, or None (and a problem) when it cannot be built."""
        row, config = self.rows[line], self.push.config
        signal_id = signal_id_for(config.organisation_id, self.digest, line)
        facts = row.facts.signal_facts(signal_id, self.push.layout.sector, route.code, self.view.routing.version)
        try:
            envelope = build_signal(
                dump_identity(row.identity),
                facts,
                municipality=route.key,
                creditor=self.view.own_key,
                linkage_key=self.push.linkage_key,
            )
        except ValidationError as error:
            for path, reason in flatten(error.messages):
                self.reject(line, path, reason)
            return None
        except crypto.KeyFormatError:
            self.reject(line, "sealed_identity", "the municipality's published key is unusable; tell the hub operator")
            return None
        return Planned(str(signal_id), line, envelope)

    def refresh(self) -> None:
        self.view = self.push.view()

    def reseal(self, planned: Planned) -> Planned | None:
        """The same row routed and sealed again with the current view (same signal id)."""
        row = self.rows.get(planned.line)
        if row is None:
            self.reject(planned.line, "row", "the row no longer passes validation; push a corrected export")
            return None
        address = row.identity["address"]
        route = self.view.route(address["postcode"], address["house_number"], row.facts.signal_date)
        if isinstance(route, str):
            self.reject(planned.line, "address.postcode", route)
            return None
        return self.seal(planned.line, route)


class BatchSender:
    """Posts batches of planned signals until each signal is confirmed or rejected."""

    def __init__(self, push: Push, sealer: Sealer, result: PushResult) -> None:
        self.push, self.sealer, self.result = push, sealer, result

    def post(self, batch: list[Planned]) -> None:
        """Post ``batch`` (already committed as planned) and record the hub's answer in the state."""
        refreshes = 0
        while batch:
            if self.push.stop.is_set():
                raise PushInterrupted("stopped on request; run the same command again to resume")
            try:
                response = self.push.client.post(
                    "/v1/signals/batch", {"signals": [p.envelope for p in batch]}, idempotent=True
                )
            except HubUnreachableError as error:
                raise explain(error, self.push.config.hub_url) from None
            except HubClientError as error:
                if error.status == 422:
                    batch, refreshes = self._refused(batch, error, refreshes)
                elif error.status == 409 and error.code == "signal_id_reused":
                    batch = self._settle_reused(batch)
                else:
                    raise explain(error, self.push.config.hub_url) from None
                continue
            self._confirm([(r["signal_id"], r["outcome"]) for r in response.json()["results"]], len(batch))
            return

    def _confirm(self, outcomes: list[tuple[str, str]], size: int) -> None:
        self.push.state.confirm(outcomes)
        counts = self.result.counts
        counts.created += sum(outcome == "created" for _, outcome in outcomes)
        counts.duplicate += sum(outcome != "created" for _, outcome in outcomes)
        self.push.progress.advance(size, counts)

    def _refused(self, batch: list[Planned], error: HubClientError, refreshes: int) -> tuple[list[Planned], int]:
        refusal = classify(error.problem, len(batch))
        if refusal.general or not (refusal.reseal or refusal.rejected):
            general = "; ".join(refusal.general) or str(error)
            raise PushError(f"the hub refused the batch ({error.code}): {general}")
        if refusal.reseal and refreshes >= MAX_REFRESHES:
            if refusal.code in REFRESH_CODES:
                raise PushError(
                    f"the hub still refuses the routing table after fetching it again ({refusal.code}): its "
                    "published table and its checks disagree; tell the hub operator, then run again to resume"
                )
            raise PushError(f"the hub keeps refusing how some rows are sealed ({refusal.code}); tell the hub operator")
        for index, reasons in refusal.rejected.items():
            for field, reason in reasons:
                self.sealer.reject(batch[index].line, field, reason)
        if refusal.reseal:
            self.sealer.refresh()
        kept: list[Planned] = []
        dropped = [batch[index].signal_id for index in refusal.rejected]
        for index, planned in enumerate(batch):
            if index in refusal.rejected:
                continue
            fresh = self.sealer.reseal(planned) if index in refusal.reseal else planned
            if fresh is None:
                dropped.append(planned.signal_id)
            else:
                kept.append(fresh)
        self.push.state.reject(dropped)
        self.push.state.plan(self.sealer.digest, kept)
        if dropped:
            self.push.progress.advance(len(dropped), self.result.counts)  # settled too, if not sent
        return kept, refreshes + (1 if refusal.reseal else 0)

    def _settle_reused(self, batch: list[Planned]) -> list[Planned]:
        """After a 409: the signals the hub holds already count as sent; the others are posted again."""
        stored = []
        for planned in batch:
            try:
                found = self.push.client.get(f"/v1/signals/{planned.signal_id}", expect=(404,))
            except (HubClientError, HubUnreachableError) as error:
                raise explain(error, self.push.config.hub_url) from None
            if found.status_code == 200:
                stored.append(planned.signal_id)
        if not stored:
            raise PushError("the hub says a signal id of this batch belongs to another signal (signal_id_reused)")
        self._confirm([(signal_id, "already_stored") for signal_id in stored], len(stored))
        return [planned for planned in batch if planned.signal_id not in stored]
