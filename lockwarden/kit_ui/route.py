"""Route (R-8): from the kit's GNSS position to the site of the order, between set-out and arrival.

The position is read off the UI thread (a GNSS receiver without a fix makes `JobFlow.position` wait for
one) about once a second, counted in the app's 0.2 s ticks; the screen redraws from the last reading. The
numbers come from `edge.job.route` (offline estimate unless a route service is plugged in)."""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from edge.job.devices import Fix
from edge.job.route import RouteProvider, default_provider, route_to_site
from lockwarden.kit_ui.base import KitScreen
from lockwarden.kit_ui.model import BEFORE_ARRIVAL
from lockwarden.kit_ui.routeview import route_lines
from protocol.i18n import _

READ_EVERY_TICKS = 5  # the app ticks every 0.2 s: one GNSS reading a second


class RouteScreen(KitScreen):
    DEFAULT_CSS = """
    RouteScreen #direction { text-style: bold; height: 3; content-align: center middle; width: 100%;
                             background: $boost; }
    RouteScreen #status.arrived { color: $success; text-style: bold; }
    """

    def __init__(self, order_id: str) -> None:
        super().__init__()
        self.order_id = order_id
        self.fix: Fix | None = None
        self.readings = 0  # GNSS readings done: before the first, "no position" would be premature
        self._reading = False
        self._ticks = 0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Route to the site"), classes="title")
            yield Static("", id="address", classes="line")
            yield Static("", id="direction")
            for line in ("distance", "road", "eta", "position"):
                yield Static("", id=line, classes="line")
            yield Static("", id="status", classes="message")
            with Horizontal(classes="row"):
                yield Button(_("Back"), id="back", variant="primary")

    def provider(self) -> RouteProvider:
        return default_provider(self.service.app.settings.route, self.service.flow.settings)

    def draw(self, dirty: bool) -> None:
        tick, self._ticks = self._ticks, self._ticks + 1
        if tick % READ_EVERY_TICKS == 0 and not self._reading:
            self._reading = True
            self.run_worker(self._read_fix, thread=True, group="route-fix", exclusive=True)
        if not dirty and tick % READ_EVERY_TICKS:
            return  # a new reading redraws at once; the job's step (another process may act) once a second
        flow = self.service.flow
        view = flow.job(self.order_id)
        radius = flow.settings.arrival_max_distance_m
        route = route_to_site(self.provider(), view.order, self.fix)
        lines = route_lines(view.order, self.fix, route, radius, arrival_recorded=view.step not in BEFORE_ARRIVAL)
        if self.readings == 0 and lines.position:
            lines = replace(lines, position=_("Reading the GNSS position…"))
        for name in ("address", "direction", "distance", "road", "eta", "position", "status"):
            self.query_one(f"#{name}", Static).update(getattr(lines, name))
        self.query_one("#status", Static).set_class(route is not None and route.arrived, "arrived")

    def _read_fix(self) -> None:
        fix = self.service.flow.position()
        try:
            self.app.call_from_thread(self._got_fix, fix)
        except RuntimeError:  # the app closed while the receiver was being read
            pass

    def _got_fix(self, fix: Fix | None) -> None:
        self.fix = fix
        self.readings += 1
        self._reading = False
        if self in self.app.screen_stack:  # not after the locksmith went back
            self.refresh_from_service(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "back":
            self.app.pop_screen()

