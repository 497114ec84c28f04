"""``python3 scripts/dev.py demo`` (or ``python -m demo.run``): the whole chain on one machine.

Brings up the hub on SQLite with its scheduler, registers a housing corporation, an energy supplier, a health
insurer, two municipalities (and every other municipality the sample addresses route to), a debt-help service
and the hub's administrators with real keys, pushes the synthetic
sample exports through the real adapters, and walks the chain from signal to agreed settlement, saying
each step in plain words. Then it keeps the hub running (docs at /docs) until Ctrl-C, or stops with
``--exit``. Exit status 0 when the walk completed, 1 when it stopped with the reason, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn

import requests

from adapters.answers import PushError
from adapters.client import HubClientError, HubUnreachableError
from adapters.config import ConfigError
from adapters.setup import SetupError
from demo import ROOT, negotiation, parties, samples, settlement, steps
from demo.hubproc import HubProcess, SchedulerProcess, check_port, operator, use_data_dir
from demo.say import DemoError, Say

MARKER = ".signaalhub-demo"
DEFAULT_DATA_DIR = ROOT / "var" / "demo"


def _arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python3 scripts/dev.py demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 for the hub (default 8080)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="where the demo keeps its hub "
        "and partners (default var/demo; when it holds an earlier demo, the next free var/demo-N)",
    )
    parser.add_argument("--fresh", action="store_true", help="wipe the data directory of an earlier demo first")
    parser.add_argument("--exit", action="store_true", help="stop the hub after the walk instead of serving on")
    parser.add_argument(
        "--samples",
        type=Path,
        help="folder with the sample exports (default ../shared/samples; when missing, the demo makes up a few rows)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    args = parser.parse_args(argv)
    if not 1 <= args.port <= 65535:
        parser.error("--port must be 1 to 65535")
    return args


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path.resolve())


def choose_data_dir(requested: Path, fresh: bool) -> tuple[Path, str | None]:
    """The folder to use, and a note when it is not the requested one. Wipes only an earlier demo's."""
    requested = requested.resolve()
    taken = requested.exists() and any(requested.iterdir())
    if taken and fresh:
        if not (requested / MARKER).exists():
            raise DemoError(
                f"{_shown(requested)} is not a demo folder (no {MARKER}); not wiping it. Pass another --data-dir"
            )
        shutil.rmtree(requested)
    elif taken:
        number = 2
        while (candidate := requested.with_name(f"{requested.name}-{number}")).exists():
            number += 1
        note = f"{_shown(requested)} holds an earlier demo; this run uses {_shown(candidate)} (--fresh starts over)"
        return candidate, note
    return requested, None


def start_hub(say: Say, data_dir: Path, port: int, workers: int, scheduler: SchedulerProcess) -> HubProcess:
    """Migrate, import the routing table, start ``hub serve`` and ``hub scheduler``: the operator's first
    morning. The scheduler starts alongside (it needs only the database) and runs deliveries, settlement
    deadlines and purges on time, as in production."""
    say.step("The hub comes up on SQLite (operator)")
    operator(say, ["db", "upgrade"])
    imported = operator(say, ["routing", "import", "--sample"])
    say.line(imported.replace("imported", "routing table (postcode -> gemeente):", 1), indent=2)
    hub = HubProcess(port, data_dir / "hub.log", workers)
    say.command(["hub", "serve", "--port", str(port), "--workers", str(workers)])
    hub.start()
    scheduler.start()
    try:
        seconds = hub.wait_ready()
        say.line(
            f"listening on {hub.url} after {seconds:.1f} s; its log (JSON lines, no personal data): "
            f"{_shown(hub.log_path)}",
            indent=2,
        )
        say.command(["hub", "scheduler"])
        scheduler.wait_ready()
    except DemoError:
        hub.stop()
        raise
    say.line(
        "holds the scheduler lock: webhook delivery every second, settlement deadlines, retention and other purges; "
        f"its log: {_shown(scheduler.log_path)}",
        indent=2,
    )
    return hub


def walk(say: Say, hub: HubProcess, data_dir: Path, samples_dir: Path | None) -> None:
    """The chain from the export to the agreed settlement."""
    say.step("Partners set up their adapters; the operator registers them with real keys")
    partners = parties.set_up_all(say, data_dir / "partners", hub.url)
    creditors = [partners[spec.org_id] for spec in parties.CREDITORS]
    by_id = {partner.org_id: partner for partner in creditors}
    haarlem, groningen = (partners[spec.org_id] for spec in parties.MUNICIPALITIES)
    bank, admin = partners[parties.KREDIETBANK.org_id], partners[parties.ADMIN.org_id]

    say.step("Creditors push their arrears exports through the adapter (vroegsignalen)")
    exports = samples.exports_dir(samples_dir)
    if exports is None:
        exports = samples.synthesise(data_dir / "exports", dt.date.today())
        say.line(f"no shared sample exports found; made up a few rows in {_shown(exports)}")
    else:
        say.line(f"the synthetic sample exports in {_shown(exports)}; the same households at several creditors")
    steps.push_exports(say, creditors, exports)

    say.step("Municipalities receive one report per household (Wgs-melding)")
    households = steps.receive_reports(say, haarlem)
    steps.receive_reports(say, groningen)

    say.step(f"{haarlem.spec.name} contacts households and records outcomes (contactpoging, eindresultaat)")
    walked = steps.choose_household(households)
    say.line(
        f"the household this walk follows has {len(walked.report['case']['signals'])} signals from "
        f"{', '.join(sorted(walked.creditors))}"
    )
    steps.contact(haarlem, walked, "Telefoon", False, "Ochtend")
    steps.contact(haarlem, walked, "Huisbezoek", True, "Middag")
    say.line("phoned in the morning (not reached), home visit in the afternoon (reached): the household wants help")
    referral_id = settlement.refer(say, haarlem, bank, walked)
    steps.result(haarlem, walked, "Vervolghulp en/of verwijzing financieel")
    say.line(f"closed the report: '{walked.report['result']}'")
    steps.other_outcomes(say, haarlem, households, walked)

    say.step("Creditors hear back, as far as the law allows (picked up or not, never why)")
    steps.creditor_feedback(say, creditors)

    say.step("The hub administrators record the convenants")
    settlement.record_convenants(say, admin, by_id, bank)

    say.step(f"{bank.spec.name} takes the case on (minnelijke schuldregeling)")
    desk = settlement.open_dossier(say, bank, referral_id)
    named = settlement.inventory(say, desk, by_id, walked.case_id)
    settlement.state_claims(say, desk, by_id, named, exports)

    say.step("The proposal, the convenant answers and the agreement (betaalvoorstel, akkoord)")
    negotiation.propose(say, desk)
    negotiation.send_proposal(say, desk, named)
    negotiation.answers(say, desk, by_id, named)
    negotiation.agree(say, desk, named)

    say.step("The evidence log (operator)")
    say.line(operator(say, ["evidence", "verify"]), indent=2)


def _finish(say: Say, hub: HubProcess) -> None:
    ready = requests.get(f"{hub.url}/readyz", timeout=5).json()
    exposed = requests.get(f"{hub.url}/metrics", timeout=5).text
    runs = sum(
        float(line.rsplit(" ", 1)[1]) for line in exposed.splitlines() if line.startswith("signaalhub_jobs_run_total")
    )
    say.step(f"Done in {say.elapsed():.0f} s. The hub keeps its data; look around")
    say.line(f"API docs:  {hub.url}/docs   (OpenAPI: {hub.url}/openapi.json)")
    say.line(
        f"readiness: {hub.url}/readyz   ({ready.get('status')}; scheduler heartbeat {ready.get('scheduler_heartbeat')})"
    )
    say.line(f"metrics:   {hub.url}/metrics   ({runs:.0f} scheduler job runs so far)")


def _on_sigterm(_signum: int, _frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(sys.argv[1:] if argv is None else argv)
    say = Say()
    signal.signal(signal.SIGTERM, _on_sigterm)
    hub: HubProcess | None = None
    scheduler: SchedulerProcess | None = None
    serving = False
    try:
        check_port(args.port)
        data_dir, note = choose_data_dir(args.data_dir, args.fresh)
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / MARKER).write_text("made by the Signaalhub demo; --fresh may wipe this folder\n")
        use_data_dir(data_dir)
        say.title("Signaalhub demo: the debt early-warning chain, from arrears export to agreed settlement")
        say.line(f"data: {_shown(data_dir)}" + (f"  ({note})" if note else ""), indent=0)
        scheduler = SchedulerProcess(args.port, data_dir / "scheduler.log")
        hub = start_hub(say, data_dir, args.port, args.workers, scheduler)
        walk(say, hub, data_dir, args.samples)
        _finish(say, hub)
        if args.exit:
            return 0
        say.line("Serving until Ctrl-C ...", indent=0)
        serving = True
        status = hub.wait()
        print(f"demo: the hub stopped by itself (exit status {status}); see {hub.log_path}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ndemo: stopping the hub", file=sys.stderr)
        return 0 if serving else 130
    except (DemoError, PushError, SetupError, ConfigError) as error:
        print(f"demo stopped: {error}", file=sys.stderr)
        return 1
    except HubClientError as error:
        print(f"demo stopped: the hub refused a request: {error}", file=sys.stderr)
        if hub is not None:
            print(f"  the hub's log: {hub.log_path}", file=sys.stderr)
        return 1
    except HubUnreachableError as error:
        print(
            f"demo stopped: the hub could not be reached ({error}); see {hub.log_path if hub else 'its log'}",
            file=sys.stderr,
        )
        return 1
    finally:
        if scheduler is not None:
            scheduler.stop()
        if hub is not None:
            hub.stop()


if __name__ == "__main__":
    sys.exit(main())
