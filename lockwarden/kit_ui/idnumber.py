"""The customer's ID number at the ID card photo step (edge/job/idnumber.py): returns the locksmith's answer.

When the order carries the number, it is shown masked (its last four digits) for comparison with the card
and one button confirms it; the locksmith who needs to compare every digit opens it in full on purpose, and
the kit service records that opening in the job's evidence (`JobFlow.reveal_id_number`). Otherwise, or when the card differs, the number is typed on the keypad (with
an X key) and checked here at once, so a wrong digit is corrected before anything is photographed; a valid
number that differs from the order's needs one more, explicit press. A damaged or unreadable card is
answered with its reason."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from edge.job.idnumber import IdEntry, normalise, validate
from edge.job.steps import StepRefused
from lockwarden.kit_ui.confirm import ConfirmScreen
from lockwarden.kit_ui.keypad import KeypadScreen
from lockwarden.kit_ui.notices import error_text
from protocol.i18n import _
from protocol.regform import mask_id_number


class IdNumberScreen(ModalScreen[IdEntry | None]):
    DEFAULT_CSS = """
    IdNumberScreen { align: center middle; }
    IdNumberScreen > Vertical { width: 90%; height: auto; border: thick $primary; background: $surface; padding: 1; }
    """

    def __init__(self, order_number: str, reveal: Callable[[], str] | None = None) -> None:
        """`reveal`: opens the order's number in full and records that it was opened (None: cannot)."""
        super().__init__()
        self.order_number = normalise(order_number)
        self.reveal = reveal
        self.revealed = False
        self.typed = ""  # a valid number that differs from the order's, waiting for "record it anyway"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("The customer's ID number"), classes="title")
            yield Static(self._order_text(), id="id-order", classes="line")
            yield Static("", id="id-error", classes="message error")
            if self.order_number:
                with Horizontal(classes="row"):
                    yield Button(_("The card shows this number"), id="id-same", variant="success", classes="big")
                    yield Button(_("Show the full number (recorded)"), id="id-reveal", classes="big",
                                 disabled=self.reveal is None)
            with Horizontal(classes="row"):
                yield Button(_("Type the number on the card"), id="id-type", variant="primary")
                yield Button(_("The card cannot be read"), id="id-skip", variant="warning")
            # Fixed places: "Record it anyway" is greyed until a differing number is typed, never added
            # later (it used to appear above "Back" and push it down under a gloved finger).
            with Horizontal(classes="row"):
                yield Button(_("Back"), id="id-back")
                yield Button(_("Record it anyway: it differs from the order"), id="id-differs", variant="error",
                             disabled=True)

    def _order_text(self, full: str = "") -> str:
        if not self.order_number:
            return _("The order carries no ID number: type the one on the ID card.")
        return _("The order says: {number}. Compare it with the ID card.").format(
            number=full or mask_id_number(self.order_number))

    def _error(self, text: str) -> None:
        self.query_one("#id-error", Static).update(text)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        bid = event.button.id or ""
        if bid == "id-same":
            self.dismiss(IdEntry(confirm_order=True))
        elif bid == "id-reveal" and self.reveal is not None and not self.revealed:
            event.button.disabled = True
            self.run_worker(self._open_full, thread=True, exclusive=True, group="reveal")
        elif bid == "id-type":
            self.app.push_screen(KeypadScreen(_("ID number on the card"), max_len=18, x_key=True), self._typed)
        elif bid == "id-skip":
            self.app.push_screen(ConfirmScreen(_("Why can the number not be read?"), _(
                "The ID card photo is still taken; the form records that the number was not read, and why."),
                _("The ID card is damaged"), _("The number cannot be read"), _("Back")), self._skipped)
        elif bid == "id-differs" and self.typed:
            self.dismiss(IdEntry(number=self.typed, accept_mismatch=True))
        elif bid == "id-back":
            self.dismiss(None)

    def _open_full(self) -> None:
        """On a worker thread: the service records the opening (with a GNSS fix) before it answers."""
        assert self.reveal is not None
        try:
            number = self.reveal()
        except StepRefused as exc:  # the login lapsed: say so, stay masked
            self.app.call_from_thread(self._revealed, "", str(exc))
            return
        except Exception as exc:  # the service is down or a device failed: in words, stay masked
            self.app.call_from_thread(self._revealed, "", error_text(exc))
            return
        self.app.call_from_thread(self._revealed, number, "")

    def _revealed(self, number: str, error: str) -> None:
        if error:
            self._error(error)
            self.query_one("#id-reveal", Button).disabled = False
            return
        self.revealed = True
        self.query_one("#id-order", Static).update(self._order_text(number))

    def _typed(self, text: str | None) -> None:
        self.typed = ""
        self.query_one("#id-differs", Button).disabled = True
        if not text:
            return
        try:
            number = validate(text)
        except StepRefused as exc:
            self._error(str(exc))
            return
        if self.order_number and number != self.order_number:
            self.typed = number
            self._error(_("The card's number {card} is not the order's {order}. Check the card again; record it "
                          "only if you are sure.").format(card=mask_id_number(number),
                                                          order=mask_id_number(self.order_number)))
            self.query_one("#id-differs", Button).disabled = False
            return
        self.dismiss(IdEntry(number=number))

    def _skipped(self, damaged: bool | None) -> None:
        if damaged is not None:
            self.dismiss(IdEntry(skip_reason="card_damaged" if damaged else "number_unreadable"))
