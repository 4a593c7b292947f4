"""`lockwarden kit ...`: the locksmith's kit from the command line.

`lockwarden kit job COMMAND --dir KIT_DIR` drives the on-site job one step per command through the running
kit service (`lockwarden kit run`), attached to it over the kit link (edge/kitlink) exactly as the
touchscreen UI is: the service alone opens the store's hardware (the sensor, the GNSS receiver, the camera)
and the MQTT session. Without a running service the command refuses (exit 5) and says how to start it. `lockwarden kit pin-hash` prints a PIN hash for `job.toml`;
`lockwarden kit enroll` (lockwarden/commands/_kit_enroll.py) enrolls a locksmith's fingers on the sensor.
The kit service (`lockwarden kit run`) plugs in through `lockwarden/commands/_kit_run.py`:
a module with `register(kit_subparsers)`, picked up here when it exists.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec

from protocol.i18n import _, language

DEFAULT_KIT_DIR = os.environ.get("LOCKWARDEN_KIT_DIR", "/var/lib/lockwarden/kit")
EXIT_REFUSED = 3
EXIT_DEVICE = 4
EXIT_CONFIG = 2
EXIT_NO_SERVICE = 5
HIDDEN_INFO = ("form", "id_number_local")  # printed elsewhere (form), or an encrypted kit-local value


def register(sub: Any) -> None:
    kit = sub.add_parser("kit", help=_("The locksmith's kit: the on-site job step by step"))
    kit_sub = kit.add_subparsers(dest="kit_command", metavar="COMMAND", required=True)
    try:
        slot = importlib.import_module("lockwarden.commands._kit_run")
    except ModuleNotFoundError:
        slot = None
    if slot is not None:
        slot.register(kit_sub)
    importlib.import_module("lockwarden.commands._kit_enroll").register(kit_sub)  # `kit enroll`

    pin = kit_sub.add_parser("pin-hash", help=_("Print the salted hash of a PIN for job.toml"))
    pin.add_argument("--pin", help=_("the PIN (asked for when omitted)"))
    kind = pin.add_mutually_exclusive_group()
    kind.add_argument("--password", action="store_true", help=_("hash a password (asked for) for password_hash"))
    kind.add_argument("--pattern", help=_("hash a touchscreen pattern (dots 1-9, e.g. 1-5-9-6) for pattern_hash"))
    pin.set_defaults(func=_pin_hash)

    job = kit_sub.add_parser("job", help=_("The on-site job, one step per command"))
    steps = job.add_subparsers(dest="job_command", metavar="STEP", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--dir", type=Path, default=Path(DEFAULT_KIT_DIR),
                        help=_("kit directory with kit.toml and job.toml (LOCKWARDEN_KIT_DIR)"))
    common.add_argument("--order", help=_("order number (needed only when several jobs are open)"))
    common.add_argument("--json", action="store_true", help=_("print the job as JSON"))

    def step(name: str, help_text: str, fn: Callable[..., Any]) -> argparse.ArgumentParser:
        p = steps.add_parser(name, parents=[common], help=help_text)
        p.set_defaults(func=lambda args: _run(args, fn))
        return p

    step("show", _("Show the job: its step and what may come next"), _show)
    step("list", _("List the jobs on this kit"), _list)
    step("receive", _("Take an order body (JSON file) as if the hub had sent it"), _receive).add_argument(
        "file", type=Path)
    login = step("login", _("Log the locksmith in: fingerprint, or --pin, --password or --pattern as the "
                            "fallback"), _login)
    how = login.add_mutually_exclusive_group()
    how.add_argument("--pin", action="store_true", help=_("log in with the PIN instead of the fingerprint"))
    how.add_argument("--password", action="store_true", help=_("log in with the password (asked for)"))
    how.add_argument("--pattern", help=_("log in with the touchscreen pattern, dots 1-9 (e.g. 1-5-9-6)"))
    login.add_argument("--locksmith", help=_("locksmith id (for PIN, password or pattern login)"))
    step("logout", _("Log the locksmith out"), _logout)
    step("set-out", _("Set out for the site: the hub and the customer are told"), _set_out)
    step("arrive", _("Arrival: record the position and check the customer's service code"), _arrive).add_argument(
        "--code", help=_("the service code (asked for when omitted, so it stays out of the shell history)"))
    step("verify", _("Verify the locksmith's fingerprint for this order"), _verify)
    consent = step("consent", _("Record the customer's consent to biometric capture"), _consent)
    group = consent.add_mutually_exclusive_group(required=True)
    group.add_argument("--yes", action="store_true", help=_("the customer agrees"))
    group.add_argument("--no", action="store_true", help=_("the customer declines"))
    cap = step("capture-customer", _("Photograph the customer and the ID card, capture the fingerprint"),
               _capture_customer)
    importlib.import_module("lockwarden.commands._kit_id").add_options(cap)  # the ID number
    step("video-start", _("Start the video of the opening"), _video_start)
    step("photo-before", _("Photograph the lock before opening"), _photo_before)
    step("opened", _("Record that the lock is open"), _opened).add_argument("--note", default="")
    step("photo-after", _("Photograph the lock after opening"), _photo_after)
    step("video-stop", _("Stop the video"), _video_stop)
    done = step("complete", _("Record the fee and confirm the payment was received"), _complete)
    done.add_argument("--fee-fen", type=int, required=True, help=_("the fee in fen (15000 = 150.00 yuan)"))
    done.add_argument("--payment-received", action="store_true", help=_("the locksmith confirms receipt"))
    done.add_argument("--method", default="cash")
    form = step("form", _("Generate (or show) the unlock registration form"), _form)
    form.add_argument("--html", type=Path, help=_("also write the form as HTML to this file"))
    form.add_argument("--lang", dest="form_lang", help=_("language of the rendering (zh_CN or en)"))
    form.add_argument("--preview", action="store_true", help=_("show the form without recording it"))
    step("seal", _("Seal the evidence bundle"), _seal)
    step("abort", _("Abort the job (it is then sealed)"), _abort).add_argument("--reason", required=True)
    step("resume", _("After a restart: restart the video of a job that was recording"), _resume)


# -- plumbing ------------------------------------------------------------------------------------------
class NoService(Exception):
    """No kit service answers on the kit directory's link socket."""


@contextmanager
def _flow(args: argparse.Namespace) -> Iterator[Any]:
    """The running kit service's job flow, over the kit link (a proxy with the JobFlow methods)."""
    from edge.app import load_kit_settings
    from edge.job.config import load_job_config
    from edge.job.steps import StepRefused
    from edge.kitlink.client import KitLinkClient, KitLinkDown

    settings = load_kit_settings(args.dir)  # a bad kit.toml or job.toml is said here (exit 2), service or not
    load_job_config(args.dir)
    try:
        link = KitLinkClient(args.dir / settings.link_socket)
    except KitLinkDown as exc:
        raise NoService(_("The kit service is not running on {dir} ({error}): start it first (systemctl start "
                          "lockwarden-kit, or lockwarden kit run --dir {dir})").format(dir=args.dir, error=exc)) \
            from None
    try:
        if link.flow is None:
            raise StepRefused(_("This kit has no job hardware configured"))
        yield link.flow
    finally:
        link.stop()


def _run(args: argparse.Namespace, fn: Callable[[argparse.Namespace, Any], Any]) -> int:
    def in_flow() -> int:
        with _flow(args) as flow:
            result = fn(args, flow)
            if isinstance(result, int):
                return result
            _print_job(args, flow)
            return 0

    def no_service_or_device() -> int:
        from edge.kitlink.client import KitLinkDown, KitLinkError

        try:
            return in_flow()
        except (NoService, KitLinkDown) as exc:
            print(_("Refused: {reason}").format(reason=exc), file=sys.stderr)
            return EXIT_NO_SERVICE
        except KitLinkError as exc:  # the service ran the step and a device failed (no finger, a fault)
            print(_("Device problem: {reason}").format(reason=exc), file=sys.stderr)
            return EXIT_DEVICE

    return guarded(no_service_or_device)


def guarded(command: Callable[[], int], *, refused: tuple[type[Exception], ...] = (),
            after_device_problem: str = "") -> int:
    """Run a kit command: a refusal, a device problem or a configuration problem is said on stderr and
    becomes its exit code. `refused`: the command's own refusals; `after_device_problem`: a line more."""
    from edge.hardware.fingerprint.errors import FingerprintError
    from edge.job.config import ConfigError
    from edge.job.order import OrderInvalid
    from edge.job.steps import StepRefused
    from edge.store import StoreError
    from protocol.settings import SettingsError

    refusals: tuple[type[Exception], ...] = (StepRefused, StoreError, OrderInvalid, *refused)
    try:
        return command()
    except refusals as exc:
        print(_("Refused: {reason}").format(reason=exc), file=sys.stderr)
        return EXIT_REFUSED
    except FingerprintError as exc:
        print(_("Device problem: {reason}").format(reason=exc), file=sys.stderr)
        if after_device_problem:
            print(after_device_problem, file=sys.stderr)
        return EXIT_DEVICE
    except (ConfigError, SettingsError, FileNotFoundError) as exc:
        print(_("Configuration problem: {reason}").format(reason=exc), file=sys.stderr)
        return EXIT_CONFIG


def _print_job(args: argparse.Namespace, flow: Any) -> None:
    from edge.job.steps import describe

    view = flow.job(args.order)
    if args.json:
        print(json.dumps({"order_id": view.order_id, "step": view.step.value,
                          "next": [s.value for s in view.next_steps], "info": {k: v for k, v in view.info.items()
                                                                                if k not in HIDDEN_INFO}},
                         ensure_ascii=False))
        return
    print(_("Order {order_id}: {step}").format(order_id=view.order_id, step=describe(view.step)))
    if view.next_steps:
        print(_("Next: {steps}").format(steps=", ".join(describe(s) for s in view.next_steps)))


# -- the steps -----------------------------------------------------------------------------------------
def _show(args: argparse.Namespace, flow: Any) -> int:
    from edge.job.steps import describe

    view = flow.job(args.order)
    session = flow.session()
    if args.json:
        print(json.dumps({"order_id": view.order_id, "step": view.step.value,
                          "next": [s.value for s in view.next_steps],
                          "history": [[s.value, rid, at] for s, rid, at in view.history],
                          "session": session.locksmith_id if session else None}, ensure_ascii=False))
        return 0
    order = view.order
    print(_("Order {order_id}: {step}").format(order_id=order.order_id, step=describe(view.step)))
    print(_("Site: {address} ({lock_type}, {category})").format(address=order.site_address,
                                                               lock_type=order.lock_type, category=order.category))
    print(_("Locksmith: {locksmith}; logged in: {session}").format(
        locksmith=order.locksmith_id, session=session.locksmith_id if session else "-"))
    for step, _rid, _at in view.history:
        print("  \u2713 " + describe(step))
    if view.next_steps:
        print(_("Next: {steps}").format(steps=", ".join(describe(s) for s in view.next_steps)))
    return 0


def _list(args: argparse.Namespace, flow: Any) -> int:
    from edge.job.steps import describe

    for view in flow.jobs(include_sealed=True):
        print(f"{view.order_id}  {describe(view.step)}")
    return 0


def _receive(args: argparse.Namespace, flow: Any) -> None:
    view = flow.on_order_assigned(json.loads(args.file.read_text(encoding="utf-8")))
    args.order = view.order_id


def _login(args: argparse.Namespace, flow: Any) -> int:
    if (args.pin or args.password or args.pattern) and not args.locksmith:
        print(_("--locksmith is needed for PIN, password or pattern login"), file=sys.stderr)
        return EXIT_REFUSED
    if args.pin:
        pin = os.environ.get("LOCKWARDEN_PIN") or getpass.getpass(_("PIN: "))
        session = flow.login_pin(args.locksmith, pin)
    elif args.password:
        password = os.environ.get("LOCKWARDEN_PASSWORD") or getpass.getpass(_("Password: "))
        session = flow.login_password(args.locksmith, password)
    elif args.pattern:
        session = flow.login_pattern(args.locksmith, _pattern_dots(args.pattern))
    else:
        print(_("Place your finger on the sensor"), file=sys.stderr)
        session = flow.login_fingerprint()
    print(_("Logged in: {locksmith} ({method})").format(locksmith=session.locksmith_id, method=session.method))
    return 0


def _logout(args: argparse.Namespace, flow: Any) -> int:
    flow.logout()
    return 0


def _set_out(args: argparse.Namespace, flow: Any) -> None:
    flow.set_out(args.order)


def _arrive(args: argparse.Namespace, flow: Any) -> None:
    code = args.code or os.environ.get("LOCKWARDEN_SERVICE_CODE") or getpass.getpass(_("Service code: "))
    order_id = flow.job(args.order).order_id
    flow.arrive(code, order_id)
    view = flow.job(order_id)
    dist = view.info.get("distance_m")
    print(_("Distance from the site: {distance}").format(distance="-" if dist is None else f"{dist:.0f} m"))
    if view.info.get("arrival_flagged"):
        print(_("Arrival flagged: far from the site or no position"))


def _verify(args: argparse.Namespace, flow: Any) -> None:
    print(_("Place your finger on the sensor"), file=sys.stderr)
    flow.verify_locksmith(args.order)


def _consent(args: argparse.Namespace, flow: Any) -> None:
    flow.record_consent(bool(args.yes), args.order)


def _capture_customer(args: argparse.Namespace, flow: Any) -> int | None:
    from edge.job.idnumber import resolve
    from edge.job.steps import Step
    from lockwarden.commands._kit_id import id_entry

    order_id = flow.job(args.order).order_id
    entry = None
    if flow.job(order_id).step in (Step.CONSENTED, Step.CUSTOMER_PHOTO):
        # The ID number is asked and checked first (as JobFlow.capture_customer does), so a wrong one
        # leaves nothing half-captured; the steps are taken one by one here to prompt for the finger.
        order = flow.job(order_id).order
        entry = id_entry(args, order)
        if entry is None:
            return EXIT_REFUSED
        resolve(entry, order.customer_id_number)
    if flow.job(order_id).step == Step.CONSENTED:
        flow.capture_customer_photo(order_id)
    if flow.job(order_id).step == Step.CUSTOMER_PHOTO:
        flow.capture_id_photo(order_id, id_entry=entry)
    if flow.job(order_id).step == Step.ID_PHOTO:
        print(_("Customer: place your finger on the sensor"), file=sys.stderr)
    flow.capture_customer(order_id, id_entry=entry)
    return None


def _video_start(args: argparse.Namespace, flow: Any) -> None:
    flow.start_video(args.order)


def _photo_before(args: argparse.Namespace, flow: Any) -> None:
    flow.photo_before(args.order)


def _opened(args: argparse.Namespace, flow: Any) -> None:
    flow.mark_opened(args.order, note=args.note)


def _photo_after(args: argparse.Namespace, flow: Any) -> None:
    flow.photo_after(args.order)


def _video_stop(args: argparse.Namespace, flow: Any) -> None:
    flow.stop_video(args.order)


def _complete(args: argparse.Namespace, flow: Any) -> None:
    flow.complete(args.fee_fen, bool(args.payment_received), args.order, method=args.method)


def _form(args: argparse.Namespace, flow: Any) -> int:
    from edge.job.steps import Step
    from protocol.regform import render_html, render_text

    if args.preview:
        form = flow.form(args.order)
    elif flow.job(args.order).step == Step.COMPLETED:
        form = flow.make_form(args.order)
    else:
        form = flow.recorded_form(args.order)
        if form is None:
            form = flow.form(args.order)
            print(_("(preview: the form is recorded after completion)"), file=sys.stderr)
    lang = args.form_lang or language()
    if args.json:
        print(json.dumps(msgspec.to_builtins(form), ensure_ascii=False, indent=1))
    else:
        print(render_text(form, lang))
    if args.html:
        args.html.write_text(render_html(form, lang), encoding="utf-8")
    return 0


def _seal(args: argparse.Namespace, flow: Any) -> int:
    from protocol.evidence import manifest_digest

    manifest = flow.seal(args.order)
    print(_("Evidence bundle sealed: {records} records, {files} files, SHA-256 {digest}").format(
        records=len(manifest.records), files=len(manifest.files), digest=manifest_digest(manifest)))
    return 0


def _abort(args: argparse.Namespace, flow: Any) -> None:
    order_id = flow.job(args.order).order_id
    flow.abort(order_id, args.reason)
    flow.seal(order_id)


def _resume(args: argparse.Namespace, flow: Any) -> None:
    for order_id in flow.resume():
        print(_("Video restarted for order {order_id}").format(order_id=order_id))


def _pattern_dots(text: str) -> list[int]:
    return [int(d) for d in text.replace("-", " ").replace(",", " ").split() if d.isdigit()]


def _pin_hash(args: argparse.Namespace) -> int:
    from edge.job.pin import hash_password, hash_pattern, hash_pin, typeable_password

    if args.password:
        password = os.environ.get("LOCKWARDEN_PASSWORD") or getpass.getpass(_("Password: "))
        if len(password) < 8:
            print(_("A password is at least eight characters"), file=sys.stderr)
            return EXIT_REFUSED
        if not typeable_password(password):
            print(_("A password uses only letters A-Z, a-z and digits: the kit's touchscreen keyboard has no other keys"),
                  file=sys.stderr)
            return EXIT_REFUSED
        print(hash_password(password))
        return 0
    if args.pattern:
        try:
            print(hash_pattern(_pattern_dots(args.pattern)))
        except ValueError:
            print(_("A pattern joins at least four different dots of 1 to 9"), file=sys.stderr)
            return EXIT_REFUSED
        return 0
    pin = args.pin or getpass.getpass(_("PIN: "))
    if not pin.isdigit() or len(pin) < 4:
        print(_("A PIN is at least four digits"), file=sys.stderr)
        return EXIT_REFUSED
    print(hash_pin(pin))
    return 0


