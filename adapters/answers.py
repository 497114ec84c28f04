"""The hub's answers to a push, and what the adapter does with each (docs/adapters.md, "Errors").

- 201/200: every signal ``created`` or ``duplicate`` (an identical earlier submission: a resumed push).
- 422 with ``routing_version_stale``, ``routing_version_unknown`` or ``municipality_merged``, or naming
  only routing and sealing fields (a municipality rotated its key): fetch the routing table and the
  directory again, route, seal and post those signals again.
- another 422: the problems name ``signals.<index>.<field>``; those rows are rejected (report) and the
  rest of the batch is posted again, since a batch is all-or-nothing.
- 409 ``signal_id_reused``: a signal of this batch was stored before with other bytes (its state was
  lost): the adapter asks the hub which ones it holds, counts those as sent, and posts the rest.
- 401/403/404: the set-up is wrong (``SetupProblem``); unreachable, 429 or 5xx after the retries: the hub
  is unavailable (``HubUnavailable``). Either way what was confirmed stays confirmed: push again to resume.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from adapters.client import HubClientError, HubUnreachableError

REFRESH_CODES: Final = frozenset({"routing_version_stale", "routing_version_unknown", "municipality_merged"})
#: Fields whose problems a fresh routing table and directory can cure by routing and sealing again.
_RESEALABLE = re.compile(r"(routing_version|municipality_code|sealed_identity(\..+)?|sealed_reference(\..+)?)")
_SIGNAL_PATH = re.compile(r"signals\.(\d+)\.(.+)")


class PushError(Exception):
    """The push stopped before it was complete. What the hub confirmed stays confirmed; after fixing
    the cause, the same command resumes where it stopped."""


class SetupProblem(PushError):
    """The configuration, the keys or the registration at the hub are wrong."""


class HubUnavailable(PushError):
    """The hub could not be reached or did not answer in time; try again later."""


class PushInterrupted(PushError):
    """The push was asked to stop (Ctrl-C, or the watcher shutting down)."""


@dataclass
class Refusal:
    """A 422 for a batch, split by what to do: ``reseal`` indexes, ``rejected`` index -> [(field, reason)]."""

    code: str
    reseal: set[int] = field(default_factory=set)
    rejected: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)


def classify(problem: Mapping[str, Any], size: int) -> Refusal:
    """Sort the ``invalid_params`` of a 422 over the signals of a batch of ``size``."""
    refusal = Refusal(str(problem.get("code", "")))
    for param in problem.get("invalid_params") or []:
        name, reason = str(param.get("name", "")), str(param.get("reason", ""))
        match = _SIGNAL_PATH.fullmatch(name)
        if match is None or int(match.group(1)) >= size:
            refusal.general.append(f"{name}: {reason}")
        elif _RESEALABLE.fullmatch(match.group(2)):
            refusal.reseal.add(int(match.group(1)))
        else:
            refusal.rejected.setdefault(int(match.group(1)), []).append((match.group(2), reason))
    # a signal with a real problem is rejected even if its sealing needs refreshing too
    refusal.reseal -= set(refusal.rejected)
    if refusal.code in REFRESH_CODES and not refusal.reseal and not refusal.rejected:
        refusal.reseal = set(range(size))
    return refusal


def explain(error: HubClientError | HubUnreachableError, hub_url: str) -> PushError:
    """The ``PushError`` for a hub answer the push cannot handle row by row."""
    if isinstance(error, HubUnreachableError):
        return HubUnavailable(
            f"cannot reach the hub at {hub_url} ({error}); check hub_url in config.toml, the network, proxy "
            "and firewall, and that the hub is up (its /readyz). Nothing is lost: run the same command to resume"
        )
    status, code = error.status, error.code
    detail = str(error.problem.get("detail", ""))
    if status == 429 or status >= 500:
        return HubUnavailable(f"the hub is not answering normally ({status} {code}); try again later to resume")
    if code == "routing_table_missing":
        return HubUnavailable("the hub has no routing table yet (its operator runs `hub routing import`); try later")
    kind, message = _EXPLANATIONS.get(status, (PushError, "the hub refused the request ({code}): {detail}"))
    return kind(message.format(code=code, detail=detail))


_EXPLANATIONS: Final[Mapping[int, tuple[type[PushError], str]]] = {
    401: (
        SetupProblem,
        "the hub refused our signature ({code}): check signing_key_id and the signing key file in config.toml, "
        "that the key is registered and valid (`signaal whoami`), and the computer's clock",
    ),
    403: (SetupProblem, "the hub does not let this organisation do this ({code}): {detail}"),
    404: (SetupProblem, "the hub has no such resource ({code}): {detail}; check hub_url in config.toml"),
    413: (PushError, "a batch is larger than the hub accepts; push again with a smaller --batch-size"),
}
