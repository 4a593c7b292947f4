"""Evidence: what the kit captured for a job (R-8, R-9) and whether the hub has it yet."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from lockwarden.kit_ui.base import KitScreen
from lockwarden.kit_ui.model import evidence, file_kind_label, short_order
from protocol.i18n import _


class EvidenceScreen(KitScreen):
    def __init__(self, order_id: str) -> None:
        super().__init__()
        self.order_id = order_id
        self._ticks = 0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Evidence of order {order_id}").format(order_id=short_order(self.order_id)),
                         classes="title")  # the short number a person reads back; the records keep the id
            yield Static("", id="records", classes="line")
            with VerticalScroll():
                yield Static("", id="files", classes="line")
            with Horizontal(classes="row"):
                yield Button(_("Back"), id="back", variant="primary")

    def draw(self, dirty: bool) -> None:
        self._ticks += 1
        if not dirty and self._ticks % 5:  # the backlog drains without telling the UI: look once a second
            return
        service = self.service
        rows, records, waiting = evidence(service, self.order_id)
        self.query_one("#records", Static).update(
            _("{records} signed records, {waiting} not yet at the hub").format(records=records, waiting=waiting))
        video = file_kind_label("video.segment")
        segments = [r for r in rows if r.label == video]
        lines = [("✓ " + _("at the hub") if r.synced else "… " + _("waiting to send")) + f"  {r.label}  "
                 + _("{kib} KiB").format(kib=max(1, r.size // 1024)) for r in rows if r.label != video]
        if segments:  # one item: the video, however many segments the recorder cut it into
            sent = sum(1 for r in segments if r.synced)
            lines.append(("✓ " if sent == len(segments) else "… ") + _(
                "Video: {n} segments, {kib} KiB, {sent} of {n} at the hub").format(
                n=len(segments), kib=max(1, sum(r.size for r in segments) // 1024), sent=sent))
        self.query_one("#files", Static).update("\n".join(lines) or _("No photos, fingerprints or video yet"))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "back":
            self.app.pop_screen()
