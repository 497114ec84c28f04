"""The settlement proposal and its answers: the hub checks the shares to the cent, answers at once for
creditors whose convenant accepts a compliant proposal in advance, the others answer themselves (one asks
for a better offer and is asked to reconsider), and the counsellor records the agreement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from adapters.settlements import open_part, seal_part
from demo.parties import Partner
from demo.say import Say, euros, percent
from demo.settlement import Desk, new_id

TERM_MONTHS = 18  # NVVK: a regular settlement runs 18 months (since 1 July 2023)


def _first_of_next_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def propose(say: Say, desk: Desk) -> dict[str, Any]:
    """A regular 18-month proposal. Shares split naively come back 422 with the hub's exact shares."""
    view = desk.view()
    admitted = sum(c["claim"]["total_cents"] for c in view["creditors"])
    capacity = max(1_000, admitted * 28 // 100 // TERM_MONTHS // 100 * 100)  # whole euros a month
    proposal = {
        "proposal_id": new_id(),
        "kind": "regular",
        "monthly_capacity_cents": capacity,
        "term_months": TERM_MONTHS,
        "preferential_share_bp": 0,
    }
    offered = capacity * TERM_MONTHS
    naive = [
        {"participant_id": c["participant_id"], "share_cents": offered // len(view["creditors"])}
        for c in view["creditors"]
    ]
    say.line(
        f"claims admitted: {euros(admitted)} from {len(view['creditors'])} creditors; repayment capacity "
        f"(afloscapaciteit) {euros(capacity)} a month for {TERM_MONTHS} months: {euros(offered)} offered"
    )
    response = desk.bank.client.post(desk.path("/proposal"), {**proposal, "shares": naive}, expect=(422,))
    if response.status_code == 422:
        problem = response.json()
        say.line(
            f"an equal split is refused: 422 {problem['code']}; the hub returns the pro-rata shares "
            "(pondsgewijs), to the cent"
        )
        checked = desk.send("/proposal", {**proposal, "shares": problem["expected_shares"]})
    else:
        checked = response.json()
    ahead = sorted(
        org
        for org, pid in desk.participants.items()
        for check in checked["convenant_checks"]
        if check["participant_id"] == pid and check["compliant"]
    )
    say.line(
        f"proposal checked: every creditor gets {percent(checked['percentage_bp'])} of its claim; "
        f"compliant with the convenant of {', '.join(ahead) or 'nobody'}"
    )
    return checked


def send_proposal(say: Say, desk: Desk, named: list[str]) -> None:
    """Send the proposal (betaalvoorstel); the hub answers at once for convenants that accept in advance."""
    desk.send("/proposal/send", {"messages": desk.messages("proposal", named, "Proposal attached.")})
    inbox = desk.bank.get("/v1/debt-help/messages?unacknowledged=true")["messages"]
    for message in inbox:
        if message["kind"] == "proposal_answer" and message["sender_id"] == "hub":
            facts = message["facts"]
            say.line(
                f"{facts['creditor_id']}: accepted at once by the hub under convenant {facts['under_convenant']} "
                "(akkoord onder convenant)"
            )
        desk.bank.post(f"/v1/debt-help/messages/{message['id']}/ack")


def _answer(partner: Partner, desk: Desk, participant: str, answer: str, reason: str | None = None) -> None:
    message_id = new_id()
    note = "We accept." if answer == "accept" else "The percentage is too low for us."
    body = {
        "message_id": message_id,
        "sealed": seal_part({"note": note}, "settlement.proposal_answer", message_id, desk.keys[desk.bank.org_id]),
        "answer": answer,
        "reason": reason,
    }
    partner.post(f"/v1/creditor/settlements/{participant}/proposal-answer", body)


def answers(say: Say, desk: Desk, creditors: Mapping[str, Partner], named: list[str]) -> None:
    """Creditors without an advance acceptance read the offer and answer; one first asks for more."""
    asked_again = False
    for org_id in named:
        partner, participant = creditors[org_id], desk.participants[org_id]
        own = partner.get(f"/v1/creditor/settlements/{participant}")
        if own["answer"] is not None:
            continue
        proposal = next(
            m for m in partner.get("/v1/creditor/messages?unacknowledged=true")["messages"] if m["kind"] == "proposal"
        )
        open_part(proposal["sealed"], "settlement.proposal", proposal["id"], partner.encryption_key, org_id)
        partner.post(f"/v1/creditor/messages/{proposal['id']}/ack")
        offer = own["offer"]
        if not asked_again:
            asked_again = True
            _answer(partner, desk, participant, "reject", "percentage_too_low")
            say.line(
                f"{org_id}: offered {euros(offer['share_cents'])} ({percent(offer['share_bp'])}); rejects: "
                "percentage too low (afwijzing)"
            )
            desk.send(
                "/reconsiderations",
                {
                    "messages": desk.messages(
                        "reconsideration", [org_id], "Nothing more is possible; please reconsider."
                    )
                },
            )
            say.line(f"the counsellor asks {org_id} to reconsider (heroverweging): the capacity is all there is")
        _answer(partner, desk, participant, "accept")
        say.line(f"{org_id}: accepts {euros(offer['share_cents'])} (akkoord)")
    desk.send(f"/creditors/{desk.participants['outside']}/record", {"answer": {"answer": "accept"}})
    say.line("the creditor outside the hub agrees by letter; the counsellor records it by hand")


def agree(say: Say, desk: Desk, named: list[str]) -> dict[str, Any]:
    """Every creditor accepted: the settlement is agreed (schuldregeling akkoord) and each creditor told."""
    first = _first_of_next_month(dt.date.today())
    body = {
        "first_payment_on": first.isoformat(),
        "messages": desk.messages("agreed", named, "The settlement is agreed."),
    }
    desk.send("/agreed", body)
    view = desk.view()
    total = sum(c["share_cents"] or 0 for c in view["creditors"])
    say.line(
        f"AGREED SETTLEMENT (schuldregeling akkoord): dossier is '{view['state']}', "
        f"{len(view['creditors'])} creditors share {euros(total)} over {TERM_MONTHS} months, "
        f"first payment on {view['first_payment_on']}; the rest is forgiven at the end (finale kwijting)"
    )
    return view
