"""The settlement proposal and its answers: the counsellor's adapter computes the shares (an equal split is
refused by the hub, which checks them to the cent), the hub answers at once for creditors whose convenant
accepts a compliant proposal in advance, the others answer with their own adapter (one counters and is asked
to reconsider), and the counsellor records the agreement. The same functions serve ``signaal dossiers``
and ``signaal settlements``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from adapters.proposals import Offer
from adapters.settlement_answers import Answer, check_answer
from adapters.settlement_exchange import new_id
from demo.parties import Partner
from demo.say import Say, euros, percent
from demo.settlement import Walk, creditor_desk

TERM_MONTHS = 18  # NVVK: a regular settlement runs 18 months (since 1 July 2023)


def _first_of_next_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def propose(say: Say, walk: Walk) -> dict[str, Any]:
    """A regular 18-month proposal. Shares split naively come back 422; the adapter's are the hub's."""
    view = walk.view()
    admitted = sum(c["claim"]["total_cents"] for c in view["creditors"])
    capacity = max(1_000, admitted * 28 // 100 // TERM_MONTHS // 100 * 100)  # whole euros a month
    offer = Offer("regular", monthly_capacity_cents=capacity, term_months=TERM_MONTHS)
    say.line(
        f"claims admitted: {euros(admitted)} from {len(view['creditors'])} creditors; repayment capacity "
        f"(afloscapaciteit) {euros(capacity)} a month for {TERM_MONTHS} months: {euros(capacity * TERM_MONTHS)} "
        "offered"
    )
    equal = (capacity * TERM_MONTHS) // len(view["creditors"])
    naive = [{"participant_id": c["participant_id"], "share_cents": equal} for c in view["creditors"]]
    body = {**offer.body(new_id()), "shares": naive}
    refused = walk.bank.client.post(walk.desk.path(walk.dossier_id, "/proposal"), body, expect=(422,))
    if refused.status_code == 422:
        say.line(
            f"an equal split is refused: 422 {refused.json()['code']}; the hub wants pro-rata shares (pondsgewijs)"
        )
    walk.plan = walk.desk.plan_proposal(walk.dossier_id, offer)
    say.line("the counsellor's adapter computes them, to the cent, the way the hub checks them")
    return {"shares": walk.plan.shares}


def send_proposal(say: Say, walk: Walk, named: list[str]) -> None:
    """Send the proposal (betaalvoorstel); the hub answers at once for convenants that accept in advance."""
    assert walk.plan is not None
    checked = walk.desk.send_proposal(walk.dossier_id, walk.plan, "Proposal attached.")
    ahead = {c["participant_id"] for c in checked["convenant_checks"] if c["compliant"]}
    ahead_names = sorted(c.creditor_id or "" for c in walk.in_hub(named) if c.participant_id in ahead)
    say.line(
        f"proposal checked and sent: every creditor gets {percent(checked['percentage_bp'])} of its claim; "
        f"compliant with the convenant of {', '.join(ahead_names) or 'nobody'}"
    )
    for message in walk.desk.inbox():
        if message.kind == "proposal_answer" and message.sender_id == "hub":
            facts = message.facts
            say.line(
                f"{facts['creditor_id']}: accepted at once by the hub under convenant {facts['under_convenant']} "
                "(akkoord onder convenant)"
            )


def _answer(participant_id: str, action: str, **extra: str) -> Answer:
    checked = check_answer(0, {"participant_id": participant_id, "action": action, **extra})
    assert isinstance(checked, Answer), checked
    return checked


def answers(say: Say, walk: Walk, creditors: Mapping[str, Partner], named: list[str]) -> None:
    """Creditors without an advance acceptance read the offer and answer; one first counters."""
    countered = False
    for org_id in named:
        desk = creditor_desk(creditors[org_id])
        desk.inbox()  # the proposal, opened and kept locally
        own = next(s for s in desk.settlements() if s["dossier_id"] == walk.dossier_id)
        if own["answer"] is not None:
            continue
        offer, participant = own["offer"], own["participant_id"]
        if not countered:
            countered = True
            desk.send([_answer(participant, "counter", counter="40% over 18 months")])
            say.line(
                f"{org_id}: offered {euros(offer['share_cents'])} ({percent(offer['share_bp'])}); counters with "
                "40% (afwijzing: percentage too low)"
            )
            to = walk.in_hub([org_id])
            walk.desk.send(walk.dossier_id, "reconsideration", to, "Nothing more is possible; please reconsider.")
            say.line(f"the counsellor asks {org_id} to reconsider (heroverweging): the capacity is all there is")
            desk.inbox()
        desk.send([_answer(participant, "accept", note="We accept.")])
        say.line(f"{org_id}: accepts {euros(offer['share_cents'])} (akkoord)")
    walk.desk.record(walk.dossier_id, walk.outside().participant_id, {"answer": {"answer": "accept"}})
    say.line("the creditor outside the hub agrees by letter; the counsellor records it by hand")


def agree(say: Say, walk: Walk, named: list[str]) -> dict[str, Any]:
    """Every creditor accepted: the settlement is agreed (schuldregeling akkoord) and each creditor told."""
    first = _first_of_next_month(dt.date.today())
    walk.desk.agree(walk.dossier_id, first, "The settlement is agreed.")
    view = walk.view()
    total = sum(c["share_cents"] or 0 for c in view["creditors"])
    say.line(
        f"AGREED SETTLEMENT (schuldregeling akkoord): dossier is '{view['state']}', "
        f"{len(view['creditors'])} creditors share {euros(total)} over {TERM_MONTHS} months, "
        f"first payment on {view['first_payment_on']}; the rest is forgiven at the end (finale kwijting)"
    )
    return view
