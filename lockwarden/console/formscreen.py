"""A modal form: labelled fields, each with its own error line, submitted through an async callback.

The callback returns {field: problem} ('' for a problem of the whole request); an empty answer closes the
form with True. Escape closes it with False. Used by the hotline request and every order action."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from protocol.i18n import _


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    value: str = ""
    options: list[tuple[str, str]] | None = None  # (label, value): a choice instead of free text


Submit = Callable[[dict[str, str]], Awaitable[dict[str, str]]]


class FormScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    FormScreen { align: center middle; }
    FormScreen > Vertical { width: 96%; max-width: 110; height: 94%; border: thick $accent; padding: 0 1;
                            background: $surface; }
    FormScreen .title { text-style: bold; }
    FormScreen .row { height: auto; margin-top: 1; }
    FormScreen .field-label { width: 40%; }
    FormScreen .row Input, FormScreen .row Select { width: 1fr; }
    FormScreen .row Input { background: $boost; }
    FormScreen .error { color: $error; display: none; height: auto; }
    FormScreen .error.shown { display: block; }
    FormScreen .buttons { height: auto; margin-top: 1; }
    FormScreen .buttons Button { margin-right: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", _("Cancel")), Binding("ctrl+s", "submit", _("Submit"))]

    def __init__(self, title: str, fields: list[Field], submit: Submit, *, note: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.on_submit = submit
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            if self.note:
                yield Static(self.note)
            yield Static("", id="err-", classes="error")
            with VerticalScroll():
                for f in self.fields:
                    # one line per field (compact widgets) so a whole form fits an 80x24 terminal
                    with Horizontal(classes="row"):
                        yield Label(f.label, classes="field-label")
                        if f.options is not None:
                            yield Select(f.options, value=f.value or f.options[0][1], allow_blank=False,
                                         id=f"f-{f.name}", compact=True)
                        else:
                            yield Input(value=f.value, id=f"f-{f.name}", compact=True)
                    yield Static("", id=f"err-{f.name}", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("Submit"), id="submit", variant="primary", compact=True)
                yield Button(_("Cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        # The operator starts typing at once: the first field has the focus.
        if self.fields:
            self.query_one(f"#f-{self.fields[0].name}").focus()

    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for f in self.fields:
            widget = self.query_one(f"#f-{f.name}")
            value = widget.value if isinstance(widget, Input | Select) else ""
            out[f.name] = "" if value is Select.BLANK else str(value)
        return out

    def set_value(self, name: str, value: str) -> None:
        widget = self.query_one(f"#f-{name}")
        if isinstance(widget, Input | Select):
            widget.value = value

    def show_errors(self, errors: dict[str, str]) -> None:
        names = {f.name for f in self.fields}
        stray = [f"{k}: {v}" for k, v in errors.items() if k and k not in names]
        general = "; ".join(p for p in [errors.get("", ""), *stray] if p)
        for name in ["", *names]:
            self._say(name, general if name == "" else errors.get(name, ""))
        first = next((f.name for f in self.fields if errors.get(f.name)), None)
        if first is not None:  # bring the first problem into view
            self.query_one(f"#f-{first}").focus()

    def _say(self, name: str, text: str) -> None:
        line = self.query_one(f"#err-{name}", Static)
        line.update(text)
        line.set_class(bool(text), "shown")

    def error_of(self, name: str) -> str:
        return str(self.query_one(f"#err-{name}", Static).content)

    async def action_submit(self) -> None:
        button = self.query_one("#submit", Button)
        if button.disabled:
            return
        button.disabled = True
        self._say("", _("Sending..."))
        try:
            errors = await self.on_submit(self.values())
        finally:
            button.disabled = False
        if errors:
            self.show_errors(errors)
        else:
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "submit":
            await self.action_submit()
        else:
            self.action_cancel()
