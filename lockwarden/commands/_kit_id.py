"""The customer's ID number for `lockwarden kit job capture-customer` (edge/job/idnumber.py).

From the options (`--id-number N`, `--confirm-id`, `--id-skip REASON`, `--id-differs`), or, at a terminal,
by asking: the order's number is shown for comparison with the card ("y" confirms it); otherwise the number
on the card is typed, or left empty with the reason it cannot be read. Without a terminal and without an
option, None: the flow then refuses the step with its own message, before anything is captured.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from protocol.i18n import _

if TYPE_CHECKING:  # the parser is built at every start: the job modules load only when the step runs
    from edge.job.idnumber import IdEntry


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--id-number", help=_("ID number read from the card, compared with the order"))
    parser.add_argument("--confirm-id", action="store_true", help=_("the ID card shows the order's ID number"))
    parser.add_argument("--id-skip", metavar="REASON", help=_(
        "the number cannot be read from the card: why (card_damaged, number_unreadable or your own words)"))
    parser.add_argument("--id-differs", action="store_true",
                        help=_("record the typed number although it differs from the order's"))


def id_entry(args: argparse.Namespace, order: Any) -> IdEntry | None:
    from edge.job.idnumber import IdEntry

    if args.id_number or args.confirm_id or args.id_skip:
        return IdEntry(number=args.id_number or "", confirm_order=bool(args.confirm_id),
                       skip_reason=args.id_skip or "", accept_mismatch=bool(args.id_differs))
    if not sys.stdin.isatty():
        print(_("Give the customer's ID number: --id-number N, --confirm-id (the card shows the order's) or "
                "--id-skip REASON"), file=sys.stderr)
        return None
    if order.customer_id_number:
        # Shown in full on purpose: comparing digit by digit with the card the customer holds is the point.
        print(_("The order's ID number: {number}").format(number=order.customer_id_number), file=sys.stderr)
        if input(_("Does the ID card show the same number? [y/N] ")).strip().lower() in ("y", "yes", "是"):
            return IdEntry(confirm_order=True)
    number = input(_("ID number on the card (empty if it cannot be read): ")).strip()
    if number:
        return IdEntry(number=number, accept_mismatch=bool(args.id_differs))
    return IdEntry(skip_reason=input(_("Why can it not be read? ")).strip() or "number_unreadable")
