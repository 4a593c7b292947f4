"""`lockwarden kit enroll`: enroll a locksmith's fingers on the kit's configured sensor, step by step.

    lockwarden kit enroll --dir KIT_DIR --locksmith ls-0001 [--fingers right_index,right_middle,left_index]
                          [--only right_middle] [--replace] [--attempts 3] [--wait 30] [--json]

Prompts ("place", "lift", "place again") go to stderr, the result to stdout. The kit service must not be
running (it would hold the same serial port). With an emulator (`lockwarden emulate fingerprint`, its pty
path as `[hardware.fingerprint] port`), fingers are placed by typing `place NAME` / `remove` into the
emulator's terminal or through its `--control` socket. See edge/enroll.py for what is stored and why
re-running is safe.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import msgspec

from lockwarden.commands.kit import DEFAULT_KIT_DIR, EXIT_CONFIG, guarded
from protocol.i18n import _

# edge.enroll.DEFAULT_FINGERS, repeated: importing edge.enroll loads the fingerprint driver stack (the `kit`
# extra), and building the CLI must work on a hub or police install (tests/packaging checks they agree).
DEFAULT_FINGERS = ("right_index", "right_middle", "left_index")


def register(kit_sub: Any) -> None:
    p = kit_sub.add_parser("enroll", help=_("Enroll a locksmith's fingers on this kit's fingerprint sensor"))
    p.add_argument("--dir", type=Path, default=Path(DEFAULT_KIT_DIR),
                   help=_("kit directory with kit.toml and job.toml (LOCKWARDEN_KIT_DIR)"))
    p.add_argument("--locksmith", required=True, help=_("locksmith id, as in job.toml"))
    p.add_argument("--fingers", default=",".join(DEFAULT_FINGERS),
                   help=_("the fingers, comma-separated, in the order of the locksmith's fingerprint_slots"))
    p.add_argument("--only", default="", help=_("enroll only these of the fingers (comma-separated)"))
    p.add_argument("--replace", action="store_true",
                   help=_("enroll again fingers whose slot already holds a fingerprint (default: keep them)"))
    p.add_argument("--attempts", type=int, default=3, help=_("placements allowed per finger"))
    p.add_argument("--wait", type=float, default=None,
                   help=_("seconds to wait for each placement (default: the sensor's settings)"))
    p.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    p.set_defaults(func=_enroll)


def _split(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _enroll(args: argparse.Namespace) -> int:
    from edge.enroll import EnrollRefused

    return guarded(lambda: _run(args), refused=(EnrollRefused,), after_device_problem=_(
        "Fingers enrolled so far are kept: run the same command again to continue."))


def _run(args: argparse.Namespace) -> int:
    from edge.app import make_kit
    from edge.enroll import enroll_fingers, plan
    from edge.hardware.factory import make_fingerprint
    from edge.job.config import load_job_config
    from edge.job.kitdir import hardware_config

    app = make_kit(args.dir, connect=False)
    try:
        config = load_job_config(args.dir)
        fingers = plan(config.locksmith(args.locksmith), args.locksmith, config.locksmiths, _split(args.fingers),
                       _split(args.only))
        fp_config = hardware_config(app.settings.hardware).fingerprint
        if fp_config.backend != "serial":
            _say(_("Configuration problem: {reason}").format(reason=_(
                "the kit's fingerprint sensor is the built-in emulator, on which nobody can place a finger; run "
                "`lockwarden emulate fingerprint` and set [hardware.fingerprint] backend = \"serial\" and port "
                "to the path it prints")))
            return EXIT_CONFIG
        if args.wait is not None:
            polls = max(1, math.ceil(args.wait / max(fp_config.poll_interval_s, 0.01)))
            fp_config = msgspec.structs.replace(fp_config, finger_wait_polls=polls)
        sensor = make_fingerprint(fp_config)
        try:
            done = enroll_fingers(sensor, app.store, args.locksmith, fingers, prompt=_prompt(len(fingers)),
                                  on_retry=_retry(args.attempts), replace=args.replace, attempts=args.attempts)
        finally:
            sensor.close()
        _report(args, app.settings.kit_id, done)
        return 0
    finally:
        app.store.close()


def _prompt(total: int) -> Any:
    from edge.enroll import finger_label
    from edge.hardware.fingerprint.driver import EnrollStep

    order: dict[str, int] = {}

    def prompt(f: Any, step: EnrollStep) -> None:
        if step is EnrollStep.PLACE:
            n = order.setdefault(f.finger, len(order) + 1)
            _say(_("Finger {n} of {total}: {finger} (slot {slot})").format(
                n=n, total=total, finger=finger_label(f.finger), slot=f.slot))
            _say(_("Place the finger on the sensor"))
        elif step is EnrollStep.REMOVE:
            _say(_("Lift the finger"))
        else:
            _say(_("Place the same finger on the sensor again"))

    return prompt


def _retry(attempts: int) -> Any:
    def retry(f: Any, exc: Exception, attempt: int) -> None:
        message = getattr(exc, "message", str(exc))
        _say(_("{problem} Try again (attempt {attempt} of {attempts}).").format(
            problem=message, attempt=attempt, attempts=attempts))

    return retry


def _report(args: argparse.Namespace, kit_id: str, done: list[Any]) -> None:
    from edge.enroll import finger_label

    if args.json:
        print(json.dumps({"kit_id": kit_id, "locksmith_id": args.locksmith,
                          "fingers": [{"finger": e.finger, "slot": e.slot, "outcome": e.outcome,
                                       "template_sha256": e.template_sha256, "file_id": e.file_id} for e in done]},
                         ensure_ascii=False))
        return
    outcomes = {"enrolled": _("enrolled"), "replaced": _("enrolled again (replaced)"),
                "kept": _("already enrolled: kept (--replace enrolls it again)"),
                "kept_uploaded": _("already enrolled: kept, template stored for the hub")}
    for e in done:
        print(_("{finger} (slot {slot}): {outcome}").format(finger=finger_label(e.finger), slot=e.slot,
                                                          outcome=outcomes[e.outcome]))
    print(_("The templates are sealed in the kit store. When the kit service syncs, the hub records them as "
            "this locksmith's fingerprints (if this kit is linked to the locksmith there; "
            "`lockwarden ops locksmith.show` lists them)."))
