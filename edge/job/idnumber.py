"""The customer's resident ID number at the ID card photo step (R-8), as the locksmith reads it from the card.

One of four answers, chosen by the locksmith and recorded as `check`:
- `confirmed`: the order carries the customer's number (the hub validated it at intake) and the card shows
  the same; the kit shows the order's number for comparison instead of having it typed again;
- `entered`: typed from the card (the order has none, or the locksmith preferred to type it) and equal to
  the order's number when there is one;
- `differs_from_order`: typed from the card, valid, but not the order's number: refused unless the locksmith
  confirms the difference (`accept_mismatch`); then recorded and flagged on the form for the police;
- `skipped`: the card is damaged or the number cannot be read. Entry is therefore optional, but never
  silently: the skip is a decision recorded with its reason, and the form shows it.

A typed number must pass the checksum, birth date and region checks of `stdnum.cn.ric` (the same check as
the hub's intake); an invalid one is refused with a message saying what is wrong, and nothing is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from edge.job.steps import StepRefused
from protocol.i18n import _
from protocol.regform import id_skip_reason, mask_id_number

Check = Literal["confirmed", "entered", "differs_from_order", "skipped"]
SKIP_REASONS = ("card_damaged", "number_unreadable")  # the touchscreen's choices; the CLI takes any text


def skip_reason_text(reason: str) -> str:
    """A skip reason for a person: the preset ones translated, free text as typed (the form's wording)."""
    return id_skip_reason(reason, _)


@dataclass(frozen=True)
class IdEntry:
    """What the locksmith answered: exactly one of `number`, `confirm_order` or `skip_reason`."""

    number: str = ""
    confirm_order: bool = False
    skip_reason: str = ""
    accept_mismatch: bool = False  # the typed number differs from the order's: record it anyway, flagged


@dataclass(frozen=True)
class IdResult:
    check: Check
    number: str  # the full number ("" when skipped): sealed on the kit, in full only on the police copy
    skip_reason: str = ""
    matches_order: bool | None = None  # None: the order carries no number to compare with

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)


def normalise(text: str) -> str:
    """As typed or read aloud: spaces and dashes dropped, a lower-case x made upper-case."""
    return "".join(ch for ch in text if not ch.isspace() and ch != "-").upper()


def validate(text: str) -> str:
    """The normalised number, or StepRefused saying what is wrong with it."""
    number = normalise(text)
    try:
        return str(ric.validate(number))
    except InvalidLength:
        msg = _("A resident ID number has 18 characters (17 digits, then a digit or X); {n} were given")
        raise StepRefused(msg.format(n=len(number))) from None
    except InvalidFormat:
        raise StepRefused(_("A resident ID number is 17 digits followed by a digit or X")) from None
    except InvalidChecksum:
        raise StepRefused(_("The ID number's check digit does not match: compare it with the card again")) from None
    except InvalidComponent:
        raise StepRefused(_("The ID number's birth date or region code is not valid: compare it with the card "
                            "again")) from None
    except ValidationError:
        raise StepRefused(_("Not a valid resident ID number")) from None


def resolve(entry: IdEntry | None, order_number: str) -> IdResult:
    """Check the locksmith's answer against the order; StepRefused (translated) when it cannot be recorded."""
    given = [bool(entry and entry.number.strip()), bool(entry and entry.confirm_order),
             bool(entry and entry.skip_reason.strip())]
    if entry is None or sum(given) == 0:
        raise StepRefused(_("Enter the customer's ID number from the card, confirm the order's, or give the "
                            "reason it cannot be read"))
    if sum(given) > 1:
        raise StepRefused(_("Give only one of: the number on the card, confirming the order's, or a reason to "
                            "skip it"))
    order = normalise(order_number)
    if entry.skip_reason.strip():
        return IdResult("skipped", "", skip_reason=entry.skip_reason.strip())
    if entry.confirm_order:
        if not order:
            raise StepRefused(_("The order carries no ID number to confirm: enter the number on the card"))
        try:
            return IdResult("confirmed", validate(order), matches_order=True)
        except StepRefused:
            raise StepRefused(_("The order's ID number is not valid: enter the number on the card")) from None
    number = validate(entry.number)
    if not order:
        return IdResult("entered", number)
    if number == order:
        return IdResult("entered", number, matches_order=True)
    if not entry.accept_mismatch:
        raise StepRefused(_("The ID number on the card ({card}) is not the order's ({order}). Check the card; "
                            "record it only if you are sure, and the form will show the difference").format(
                                card=mask_id_number(number), order=mask_id_number(order)))
    return IdResult("differs_from_order", number, matches_order=False)
