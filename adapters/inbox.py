"""``signaal reports pull``: fetch new report versions, open their identities, store, then acknowledge.

The order is what makes it safe to stop at any moment: a version is committed to the local store
(``adapters.localstore``) with every identity opened from it before it is acknowledged at the hub (which
then deletes its sealed copies). A pull that dies in between fetches the same version again (the
``unacknowledged`` listing finds it) and only acknowledges it; a version stored before is never stored
twice. A report whose identities cannot be opened (a wrong key file) is neither stored nor acknowledged, so
nothing is lost: the hub keeps it until the right key opens it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError

from adapters import crypto
from adapters.client import HubClient, HubClientError
from adapters.localstore import LocalStore
from adapters.signals import SignalOpenError, open_signal_identity, sealed_key_id
from schemas.v1.identity import dump_identity

log = logging.getLogger(__name__)
INBOX = "/v1/municipality/reports"
PAGE_SIZE = 200
#: How often an acknowledgement is retried when the report changed in between (409 report_version_changed).
MAX_VERSION_RACES = 5


class PullError(Exception):
    """A report cannot be stored; the message names it (never personal data) and says what to check."""


@dataclass
class PullResult:
    """What one pull did: report versions stored, versions acknowledged, identities opened, failures."""

    stored: list[tuple[str, int]] = field(default_factory=list)
    acknowledged: int = 0
    opened: int = 0
    failures: list[str] = field(default_factory=list)
    missing_identities: int = 0


@dataclass(frozen=True)
class Keys:
    """The municipality's private encryption key and its id at the hub."""

    org_id: str
    key_id: str | None
    private_key: crypto.EncryptionPrivateKey = field(repr=False)


def _pages(client: HubClient, after: int, *, unacknowledged: bool = False) -> Iterator[list[dict[str, Any]]]:
    filter_ = "unacknowledged=true&" if unacknowledged else ""
    while page := client.get(f"{INBOX}?{filter_}after={after}&limit={PAGE_SIZE}").json():
        yield page
        after = int(page[-1]["change_seq"])


def changed_headers(client: HubClient, store: LocalStore) -> list[dict[str, Any]]:
    """Every report header to look at: changed after the local cursor, or not acknowledged yet.

    The second listing is the completeness check: it finds a version stored here whose acknowledgement was
    lost, and one that could not be opened before."""
    newest: dict[str, dict[str, Any]] = {}
    for page in _pages(client, store.cursor()):
        newest.update((header["id"], header) for header in page)
    for page in _pages(client, 0, unacknowledged=True):
        for header in page:
            known = newest.get(header["id"])
            if known is None or int(known["version"]) < int(header["version"]):
                newest[header["id"]] = header
    return sorted(newest.values(), key=lambda h: int(h["change_seq"]))


def open_identities(report: Mapping[str, Any], keys: Keys) -> dict[str, dict[str, Any]]:
    """The identities sealed for this municipality in ``report``, opened and validated, by signal id (wire
    form). ``PullError`` when one cannot be opened: nothing of the report is kept then."""
    opened: dict[str, dict[str, Any]] = {}
    for signal in report["case"]["signals"]:
        sealed = signal.get("sealed_identity")
        if sealed is None:
            continue
        envelope = {"signal_id": signal["id"], "sector": signal["sector"], "sealed_identity": sealed}
        key_id = sealed_key_id(envelope)
        if keys.key_id is not None and key_id != keys.key_id:
            raise PullError(
                f"report {report['id']}: signal {signal['id']} is sealed to key {key_id}, but the configured "
                f"encryption key is {keys.key_id}; point paths.encryption_key (config.toml) at that key's file"
            )
        try:
            opened[str(signal["id"])] = dump_identity(open_signal_identity(envelope, keys.private_key, keys.org_id))
        except SignalOpenError as error:
            raise PullError(
                f"report {report['id']}: {error}; is keys/encryption.key the private key you registered as "
                f"{key_id}? (`signaal whoami` compares them)"
            ) from None
        except ValidationError as error:
            fields = ", ".join(sorted(_field_names(error.messages)))
            raise PullError(
                f"report {report['id']}: the identity of signal {signal['id']} is not valid ({fields}); "
                f"ask its creditor ({signal['creditor_id']}) to correct and resend it"
            ) from None
    return opened


def _field_names(messages: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            yield from _field_names(value, f"{prefix}{key}.")
    else:
        yield prefix.rstrip(".") or "payload"


def _acknowledge(client: HubClient, case_id: str, version: int) -> dict[str, Any] | None:
    """Acknowledge ``version``; ``None`` when the report moved on in between (fetch it again)."""
    response = client.post(f"{INBOX}/{case_id}/ack", {"version": version}, idempotent=True, expect=(409,))
    if response.status_code == 409:
        return None
    body: dict[str, Any] = response.json()
    return body


def pull_report(client: HubClient, store: LocalStore, keys: Keys, case_id: str, result: PullResult) -> None:
    """Fetch report ``case_id``, store its version with the identities opened from it, acknowledge it; if
    it changed before the acknowledgement, do it again with the newer version."""
    for _ in range(MAX_VERSION_RACES):
        report: dict[str, Any] = client.get(f"{INBOX}/{case_id}").json()
        version = int(report["version"])
        if int(report["acknowledged_version"]) >= version and store.has_version(case_id, version):
            store.refresh(report)  # contacts or a result recorded since: the same version, brought up to date
            return
        identities = open_identities(report, keys)
        if store.save_report(report, identities):
            result.stored.append((case_id, version))
            result.opened += len(identities)
        acknowledged = _acknowledge(client, case_id, version)
        if acknowledged is not None:
            result.acknowledged += 1
            if report["state"] != "merged":
                result.missing_identities += len(store.missing_identities(case_id))
            return
        log.info("report %s changed while it was being stored; fetching it again", case_id)
    raise PullError(f"report {case_id} kept changing while it was being stored; run the pull again")


def pull(client: HubClient, store: LocalStore, keys: Keys) -> PullResult:
    """One pull: every changed or unacknowledged report, oldest change first. Failures of single reports
    are collected in the result (the others go on); the cursor moves past the reports handled."""
    result = PullResult()
    for header in changed_headers(client, store):
        try:
            pull_report(client, store, keys, str(header["id"]), result)
        except PullError as error:
            result.failures.append(str(error))
        except HubClientError as error:
            result.failures.append(f"report {header['id']}: the hub answered {error}")
        store.advance_cursor(int(header["change_seq"]))
    log.info("pull: %d versions stored, %d acknowledged", len(result.stored), result.acknowledged)
    return result
