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
    FormScreen > Vertical { width: 90%; max-width: 100; height: 90%; border: thick $accent; padding: 0 1;
                            background: $surface; }
    FormScreen .title { text-style: bold; }
    FormScreen .field-label { margin-top: 1; }
    FormScreen .error { color: $error; }
    FormScreen Input, FormScreen Select { width: 100%; }
    FormScreen Horizontal { height: auto; margin-top: 1; }
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
                    yield Label(f.label, classes="field-label")
                    if f.options is not None:
                        yield Select(f.options, value=f.value or f.options[0][1], allow_blank=False, id=f"f-{f.name}")
                    else:
                        yield Input(value=f.value, id=f"f-{f.name}")
                    yield Static("", id=f"err-{f.name}", classes="error")
            with Horizontal():
                yield Button(_("Submit"), id="submit", variant="primary")
                yield Button(_("Cancel"), id="cancel")

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
        for name in ["", *names]:
            self.query_one(f"#err-{name}", Static).update(errors.get(name, ""))
        stray = [f"{k}: {v}" for k, v in errors.items() if k and k not in names]
        if stray:
            self.query_one("#err-", Static).update("; ".join([errors.get("", ""), *stray]).strip("; "))

    def error_of(self, name: str) -> str:
        return str(self.query_one(f"#err-{name}", Static).content)

    async def action_submit(self) -> None:
        button = self.query_one("#submit", Button)
        if button.disabled:
            return
        button.disabled = True
        self.query_one("#err-", Static).update(_("Sending..."))
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
