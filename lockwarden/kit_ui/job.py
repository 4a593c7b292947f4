"""Job: the current step and the next allowed step as the one big button; the whole list beside it.

Each button calls one JobFlow method (set out through `KitService.set_out`); the flow checks the step table and
refuses out-of-order steps with a translated message, which is shown as is. Steps that wait for a person
(a finger on the sensor) or a device (camera, video) run on a worker thread so the screen stays live."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from edge.job.flow import VIDEO_STEPS, consent_statement
from edge.job.idnumber import IdEntry
from edge.job.steps import TRANSITIONS, Step, StepRefused, check, describe
from lockwarden.kit_ui.base import KitScreen
from lockwarden.kit_ui.confirm import ConfirmScreen
from lockwarden.kit_ui.idnumber import IdNumberScreen
from lockwarden.kit_ui.keypad import KeypadScreen
from lockwarden.kit_ui.model import (
    ACTIONS,
    BEFORE_ARRIVAL,
    BY_ID,
    done_steps,
    fen_text,
    label,
    next_action,
    short_order,
    yuan_to_fen,
)
from lockwarden.kit_ui.notices import aborted_text, step_outcome
from protocol.i18n import _


class JobScreen(KitScreen):
    def __init__(self, order_id: str) -> None:
        super().__init__()
        self.order_id = order_id
        self.busy = False
        self.message = ""
        self._ticks = 0
        self._shown_next: str | None = None  # the step last scrolled into view in the list

    @property
    def flow(self) -> Any:
        return self.service.flow

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="job-main"):
                yield Static("", id="order", classes="line")
                yield Static("", id="customer", classes="line")
                yield Static("", id="current", classes="title")
                yield Static("", id="rec", classes="rec")
                yield Static("", id="message", classes="message")
                yield Button("", id="next", variant="primary", classes="big")
                yield Button(_("Route to the site"), id="route")  # R-8, until arrival (lockwarden/kit_ui/route.py)
                with Horizontal(classes="row"):
                    yield Button(_("Log in by PIN"), id="pin")
                    yield Button(_("Abort the job"), id="abort", variant="error")
                    yield Button(_("Evidence"), id="evidence")
                    yield Button(_("Home"), id="home")
            with VerticalScroll(id="steps"):
                for action in ACTIONS:
                    yield Button(label(action.id), id=f"step-{action.id}")

    # -- showing ---------------------------------------------------------------------------------------
    def draw(self, dirty: bool) -> None:
        self._ticks += 1
        if not dirty and not self.busy and self._ticks % 5:
            return  # another process (the step CLI) may act on the job: look once a second anyway
        view = self.flow.job(self.order_id)
        self.query_one("#order", Static).update(_("Order {order_no}: {site}").format(
            order_no=short_order(self.order_id), site=view.order.site_address))
        order = view.order
        finished = view.step in (Step.SEALED, Step.ABORTED)  # the customer's details only while the job runs
        self.query_one("#customer", Static).update("" if finished or not order.customer_name else _(
            "Customer: {name}, phone {phone}").format(name=order.customer_name, phone=order.customer_mobile or "-"))
        self.query_one("#current", Static).update(_("Done: {step}").format(step=describe(view.step)))
        if view.step in (Step.ABORTED, Step.SEALED) and view.info.get("aborted_by") == "hub":
            # Cancelled by the customer or the hub: say so, in place of whatever (stale) message was there.
            self.message = aborted_text(view.info)
            self.query_one("#message", Static).set_class(False, "error")
        self.query_one("#message", Static).update(self.message)
        rec = self.query_one("#rec", Static)
        if view.video_paused:
            rec.update(_("Video paused: the kit's storage is full. It resumes by itself once the evidence "
                         "already recorded has gone to the hub."))
        else:
            rec.update(_("● Recording: the video runs") if view.step in VIDEO_STEPS else "")
        rec.set_class(view.video_paused, "error")
        logged_in = self.flow.session() is not None
        nxt = next_action(view.step, logged_in)
        button = self.query_one("#next", Button)
        button.label = label(nxt) if nxt else _("The job is finished")
        button.disabled = self.busy or nxt is None
        # Fixed positions: a button that does not apply now is disabled, never removed (a gloved finger
        # aimed at "Evidence" must not land on "Abort" because a neighbour disappeared).
        self.query_one("#pin", Button).disabled = self.busy or nxt != "login" or not self._has_pin()
        self.query_one("#route", Button).disabled = view.step not in BEFORE_ARRIVAL
        self.query_one("#abort", Button).disabled = self.busy or Step.ABORTED not in TRANSITIONS[view.step]
        if nxt is not None and nxt != self._shown_next:
            # The list is taller than the panel: bring the step to do now into view (from the video on it was
            # below the fold), once per step so a locksmith scrolling the list is not pulled back.
            self._shown_next = nxt
            self.query_one(f"#step-{nxt}", Button).scroll_visible(animate=False)
        done = done_steps(view)
        for action in ACTIONS:
            finished = action.target in done
            b = self.query_one(f"#step-{action.id}", Button)
            b.label = ("✓ " if finished else "   ") + label(action.id)
            b.variant = "primary" if action.id == nxt else "default"
            b.disabled = self.busy

    def _has_pin(self) -> bool:
        """The PIN fallback logs in the order's locksmith (on a shared kit, not just anyone with a PIN):
        greyed when that locksmith has none."""
        if not hasattr(self, "_pin_known"):
            profile = self.flow.locksmiths.get(self.flow.job(self.order_id).order.locksmith_id)
            self._pin_known = bool(profile is not None and profile.pin_hash)
        return self._pin_known

    def say(self, text: str, *, error: bool = False) -> None:
        self.message = text
        msg = self.query_one("#message", Static)
        msg.set_class(error, "error")
        msg.update(text)

    # -- acting ----------------------------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        bid = event.button.id or ""
        if bid == "home":
            self.app.pop_screen()
        elif bid == "evidence":
            from lockwarden.kit_ui.evidence import EvidenceScreen

            self.app.push_screen(EvidenceScreen(self.order_id))
        elif bid == "route":
            from lockwarden.kit_ui.route import RouteScreen

            self.app.push_screen(RouteScreen(self.order_id))
        elif bid == "pin":
            self.start("login_pin")
        elif bid == "abort" and not self.busy:
            self.app.push_screen(ConfirmScreen(
                _("Abort the job"), _("Stop this job? Everything recorded so far is kept and sealed."),
                _("Abort the job"), None, _("Back")), self._abort_confirmed)
        elif bid == "next":
            view = self.flow.job(self.order_id)
            nxt = next_action(view.step, self.flow.session() is not None)
            if nxt is not None:
                self.start(nxt)
        elif bid.startswith("step-"):
            self.start(bid.removeprefix("step-"))

    def start(self, action_id: str) -> None:
        """Run one action; input steps ask first (keypad, consent), after the table says they may come now."""
        if self.busy:
            return
        view = self.flow.job(self.order_id)
        oid = self.order_id
        flow = self.flow
        try:
            if action_id not in ("login", "login_pin"):  # a login may come at any step (login first)
                check(view.step, BY_ID[action_id].target)
            if action_id == "set_out":
                self.run_step(None, lambda: self.service.set_out(oid), _("Set out: the hub and the customer are told"))
                return
        except StepRefused as exc:
            self.say(str(exc), error=True)
            return
        simple: dict[str, Callable[[], Any]] = {
            "customer_photo": lambda: flow.capture_customer_photo(oid),
            "start_video": lambda: flow.start_video(oid),
            "photo_before": lambda: flow.photo_before(oid),
            "opened": lambda: flow.mark_opened(oid),
            "photo_after": lambda: flow.photo_after(oid),
            "stop_video": lambda: flow.stop_video(oid),
            "form": lambda: flow.make_form(oid),
            "seal": lambda: flow.seal(oid),
        }
        if action_id in simple:
            self.run_step(_("Working…"), simple[action_id], label(action_id) + ": " + _("done"))
        elif action_id == "login":
            self.run_step(_("Place your finger on the sensor"), flow.login_fingerprint, _("Logged in"))
        elif action_id == "verify":
            self.run_step(_("Place your finger on the sensor"), lambda: flow.verify_locksmith(oid),
                          _("Fingerprint verified"))
        elif action_id == "customer_fp":
            self.run_step(_("Ask the customer to place a finger on the sensor"),
                          lambda: flow.capture_customer_fingerprint(oid), _("Customer fingerprint recorded"))
        elif action_id == "login_pin":
            self.app.push_screen(KeypadScreen(_("Your PIN"), secret=True), self._pin_entered)
        elif action_id == "code":
            self.app.push_screen(KeypadScreen(_("The customer's service code")), self._code_entered)
        elif action_id == "consent":
            self.app.push_screen(ConfirmScreen(_("Customer consent"), consent_statement(), _("Agree"), _("Refuse"),
                                               _("Back")), self._consent_given)
        elif action_id == "fee":
            self.app.push_screen(KeypadScreen(_("Fee in yuan"), decimal=True), self._fee_entered)
        elif action_id == "id_photo":  # the ID number first (lockwarden/kit_ui/idnumber.py), then the photo
            oid = view.order_id
            self.app.push_screen(IdNumberScreen(view.order.customer_id_number,
                                                reveal=lambda: str(self.flow.reveal_id_number(oid))), self._id_entered)

    def _abort_confirmed(self, yes: bool | None) -> None:
        if yes:
            self.run_step(None, lambda: self.flow.abort(self.order_id, "aborted by the locksmith on the kit"),
                          _("Job aborted: seal the evidence"))

    def _pin_entered(self, pin: str | None) -> None:
        if pin:
            locksmith = self.flow.job(self.order_id).order.locksmith_id
            self.run_step(None, lambda: self.flow.login_pin(locksmith, pin), _("Logged in"))

    def _code_entered(self, code: str | None) -> None:
        if code:
            self.run_step(_("Checking the code…"), lambda: self.flow.arrive(code, self.order_id),
                          _("Service code correct: arrival recorded"))

    def _consent_given(self, given: bool | None) -> None:
        if given is not None:
            done = _("Consent recorded") if given else _("The customer refused: no biometric capture, no job")
            self.run_step(None, lambda: self.flow.record_consent(given, self.order_id), done)

    def _id_entered(self, entry: IdEntry | None) -> None:
        if entry is not None:
            self.run_step(_("Working…"), lambda: self.flow.capture_id_photo(self.order_id, id_entry=entry),
                          label("id_photo") + ": " + _("done"))

    def _fee_entered(self, text: str | None) -> None:
        if not text:
            return
        try:
            fen = yuan_to_fen(text)
        except ValueError as exc:
            self.say(str(exc), error=True)
            return

        def paid(yes: bool | None) -> None:
            if yes:
                self.run_step(None, lambda: self.flow.complete(fen, True, self.order_id),
                              _("Fee {fee} received: job completed").format(fee=fen_text(fen)))

        self.app.push_screen(ConfirmScreen(_("Payment"), _("Fee {fee}: has the customer paid?").format(
            fee=fen_text(fen)), _("Payment received"), None, _("Back")), paid)

    def run_step(self, prompt: str | None, fn: Callable[[], Any], done: str) -> None:
        """Call the flow off the UI thread; show the prompt meanwhile and the outcome after."""
        self.busy = True
        self.say(prompt or _("Working…"))
        self.refresh_from_service(True)

        def work() -> None:
            self.app.call_from_thread(self._finished, *step_outcome(fn, done))

        self.run_worker(work, thread=True, group="step", exclusive=True)

    def _finished(self, text: str, error: bool) -> None:
        self.busy = False
        if self not in self.app.screen_stack:  # the locksmith left the screen while the step ran: tell them anyway
            self.app.notify(text, severity="error" if error else "information")
            return
        self.say(text, error=error)
        self.refresh_from_service(True)
