"""The municipality's monthly statistics (leidinggevenden only): charts and the DDAS export download.

The figures come from the hub (``GET /v1/municipality/statistics``, per month, by signal date), which
suppresses every count under ten; a suppressed month draws no bar and reads "minder dan 10". The DDAS
v0.9 delivery is built from the local store by ``adapters.ddas_export`` as ``signaal ddas export`` does
(the municipality's code and name learnt from the hub's directory), and downloaded, never written to
disk by the portal.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Final

from flask import Blueprint, Response, abort, render_template, request
from flask.typing import ResponseReturnValue

from adapters.ddas_export import Month, Supplier, build_delivery
from adapters.portal import charts, words
from adapters.portal.auth import manager_required
from adapters.portal.context import current_portal
from adapters.portal.municipality import municipality

blp = Blueprint("statistics", __name__, url_prefix="/gemeente/statistiek")
MONTHS_SHOWN: Final = 6
SUPPLIER_CODE: Final = "signaalhub"


@dataclass(frozen=True)
class MonthFigures:
    month: Month
    figures: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{words.MONTHS[self.month.first.month - 1][:3]} {self.month.first.year}"

    @property
    def key(self) -> str:
        return f"{self.month.first:%Y-%m}"


def recent_months(today: dt.date, count: int = MONTHS_SHOWN) -> list[Month]:
    """The ``count`` months up to and including this one, oldest first."""
    months, year, month = [], today.year, today.month
    for _ in range(count):
        months.append(Month(dt.date(year, month, 1)))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


def _figures(month: Month) -> MonthFigures:
    client = current_portal().client()
    query = f"from={month.first.isoformat()}&to={month.last.isoformat()}"
    return MonthFigures(month, client.get(f"/v1/municipality/statistics?{query}").json())


def build_charts(rows: list[MonthFigures]) -> tuple[charts.Chart, charts.Chart]:
    labels = [r.label for r in rows]
    sectors = sorted({s for r in rows for s in (r.figures.get("signals_by_sector") or {})})
    by_sector = {
        words.SECTORS.get(s, s): [(r.figures.get("signals_by_sector") or {}).get(s) for r in rows] for s in sectors
    }
    signals = charts.bars("Signalen per sector per maand", labels, by_sector, stacked=True)

    def pct(value: float | None) -> float | None:
        return None if value is None else value * 100

    rates = {
        "Contact: huishoudens bereikt": [pct(r.figures.get("contact_rate")) for r in rows],
        "Hulp aanvaard (van de bereikte)": [pct(r.figures.get("help_acceptance_rate")) for r in rows],
    }
    return signals, charts.bars("Contact en hulp aanvaard per maand", labels, rates, stacked=False, unit="%", top=100)


@blp.route("")
@manager_required
def page() -> ResponseReturnValue:
    rows = [_figures(m) for m in recent_months(dt.date.today())]
    signals, rates = build_charts(rows)
    sectors = sorted({s for r in rows for s in (r.figures.get("signals_by_sector") or {})})
    return render_template(
        "municipality/statistics.html", rows=rows, sectors=sectors, signals_chart=signals, rates_chart=rates
    )


@blp.route("/ddas")
@manager_required
def ddas_export() -> ResponseReturnValue:
    """The month's DDAS v0.9 delivery as a JSON download (it holds personal data: no caching)."""
    try:
        month = Month.parse(request.args.get("maand", ""))
    except ValueError:
        abort(400)
    opened = municipality()
    opened.learn_identity()
    code = opened.store.setting("municipality_code")
    if code is None:
        abort(409)  # the hub's directory names no municipality code for us: the delivery cannot be addressed
    name = opened.store.setting("organisation_name") or opened.config.organisation_id
    supplier = Supplier(code, name, SUPPLIER_CODE)
    document = build_delivery(opened.store, month, supplier, dt.datetime.now(dt.UTC))
    body = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    filename = f"ddas-{code}-{month.first:%Y-%m}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
