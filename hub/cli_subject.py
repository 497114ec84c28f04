"""``hub case``: the operator's side of data-subject requests, for a municipality that cannot use the API
(AVG art. 15 and 17). The operator acts on the municipality's written instruction and names it; the hub
checks that the case is that municipality's, like the API does. The evidence log records the operator as
the one who acted."""

from __future__ import annotations

import json
from pathlib import Path

import click

from hub.cli_directory import services
from hub.domain.evidence import Actor
from schemas.v1.subject_api import ERASURE_GROUNDS, AccessExportOut, ErasureOut

_MUNICIPALITY = click.option(
    "--municipality", "municipality_id", required=True, help="Id of the municipality whose case it is (it asked)."
)


@click.group()
def case() -> None:
    """Data-subject requests on a household case: access export and erasure."""


@case.command("export")
@click.argument("case_id")
@_MUNICIPALITY
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON here instead of standard output."
)
def export(case_id: str, municipality_id: str, output: Path | None) -> None:
    """Write the access export of CASE_ID (the JSON of GET /v1/municipality/cases/{id}/subject-access)."""
    with services() as s:
        document = s.subject_requests.export(Actor.operator(), municipality_id, case_id)
    text = json.dumps(AccessExportOut().dump(document), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(document["counts"].items()))
    click.echo(f"wrote {output}: {len(document['items'])} items ({counts})", err=True)


@case.command("erase")
@click.argument("case_id")
@_MUNICIPALITY
@click.option(
    "--ground",
    required=True,
    type=click.Choice(list(ERASURE_GROUNDS)),
    help="The AVG art. 17(1) ground the municipality named.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase(case_id: str, municipality_id: str, ground: str, yes: bool) -> None:
    """Erase CASE_ID: its signals, sealed envelopes, tokens, links, report, referrals, dossiers and settlement
    messages, in one transaction. The evidence log, the consent records and a tombstone stay; the
    organisations that received the case's data get a case.erased event. This cannot be undone."""
    if not yes:
        click.confirm(f"Erase case {case_id} of {municipality_id} for good?", abort=True)
    with services() as s:
        result = ErasureOut().dump(s.subject_requests.erase(Actor.operator(), municipality_id, case_id, ground))
    deleted = ", ".join(f"{n} {kind}" for kind, n in sorted(result["deleted"].items()) if n)
    click.echo(f"erased case {result['case_id']} at {result['erased_at']} (evidence #{result['evidence_seq']})")
    click.echo(f"  deleted: {deleted or 'nothing'}")
    click.echo(f"  kept: {', '.join(result['retained'])}")
    click.echo(f"  notified: {', '.join(result['notified']) or 'nobody'}")
