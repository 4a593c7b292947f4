"""`lockwarden kit run|status|offers|accept|refuse`: the kit service and the locksmith's offer answers."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from protocol.i18n import _


def register(kit_sub: Any) -> None:
    run = kit_sub.add_parser("run", help=_("run the kit service (store, sync, hardware) until stopped"))
    run.add_argument("--dir", type=Path, required=True, help=_("the kit directory (kit.toml)"))
    run.add_argument("--status-every", type=float, default=0.0, help=_("print sync status every N seconds"))
    run.set_defaults(func=_run)
    st = kit_sub.add_parser("status", help=_("what waits to be synced"))
    st.add_argument("--dir", type=Path, required=True)
    st.set_defaults(func=_status)
    for name, helptext in (("accept", _("accept an offer")), ("refuse", _("refuse an offer"))):
        p = kit_sub.add_parser(name, help=helptext)
        p.add_argument("--dir", type=Path, required=True)
        p.add_argument("offer_id")
        p.add_argument("--reason", default="")
        p.set_defaults(func=_answer, answer=name)
    from lockwarden.commands import _kit_route

    _kit_route.register(kit_sub)  # `kit route`: the route to the site


def _run(args: argparse.Namespace) -> int:
    import logging

    from edge.service import run_kit

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    return run_kit(args.dir, status_every_s=args.status_every)


def _status(args: argparse.Namespace) -> int:
    from edge.app import make_kit

    app = make_kit(args.dir, connect=False)
    records, files = app.store.backlog()
    refused = app.store.refused_downlink_count()
    print(json.dumps({"kit_id": app.settings.kit_id, "backlog_records": records, "backlog_files": files,
                      "refused_downlink": refused, "corrupt_set_aside": str(app.store.set_aside.path)
                      if app.store.set_aside else None, **_personal(args.dir, app), "video": _video(app)},
                     ensure_ascii=False, indent=2))
    app.store.close()
    return 0


def _video(app: Any) -> dict[str, str] | None:
    """The codec the camera records in: what hardware.toml says and what it means on this kit (probed without
    opening the camera)."""
    if not app.settings.hardware:
        return None
    from edge.hardware.camera.codecs import NoEncoder, choose
    from edge.job.kitdir import hardware_config

    camera = hardware_config(app.settings.hardware).camera
    try:
        choice = choose(camera.codec, backend=camera.backend)
    except NoEncoder as exc:
        return {"setting": camera.codec, "codec": "", "encoder": "", "problem": str(exc)}
    return {"setting": choice.setting, "codec": choice.codec, "encoder": choice.encoder}


def _personal(kit_dir: Path, app: Any) -> dict[str, Any]:
    """Which orders' customer data (name, phone, address, ID number) the kit still holds, and until when:
    read from the job database without opening any device (the service may be running)."""
    from types import SimpleNamespace

    from edge.job.config import load_job_config
    from edge.job.purge import held, summary
    from edge.job.state import JobDB

    path = app.store.dir / "job.db"
    db = JobDB(path if path.exists() else Path(":memory:"), app.store.keys)  # offers may be held without a job
    try:
        flow = SimpleNamespace(db=db, store=app.store, settings=load_job_config(Path(kit_dir)).job)
        items = held(flow)
        return {"personal_data_summary": summary(items),
                "personal_data": [{"order_id": h.order_id, "step": h.step.value if h.step else "offer",
                                   "sealed": h.sealed, "evidence_acknowledged_ms": h.acknowledged_ms,
                                   "erase_after_ms": h.erase_after_ms} for h in items]}
    finally:
        db.close()


def _answer(args: argparse.Namespace) -> int:
    """Answer an offer the kit received, through the running kit service (its inbox; it sends the answer),
    attached over the kit link like the touchscreen. Login first: only while a locksmith is logged in on the
    kit (`lockwarden kit job login`), as on the touchscreen. No service: exit 5."""
    from edge.app import load_kit_settings
    from edge.job.steps import StepRefused
    from edge.kitlink.client import KitLinkClient, KitLinkDown
    from lockwarden.commands.kit import EXIT_NO_SERVICE

    settings = load_kit_settings(args.dir)
    try:
        link = KitLinkClient(args.dir / settings.link_socket)
    except KitLinkDown as exc:
        print(_("Refused: {reason}").format(reason=_(
            "The kit service is not running on {dir} ({error}): start it first (systemctl start lockwarden-kit, "
            "or lockwarden kit run --dir {dir})").format(dir=args.dir, error=exc)), file=sys.stderr)
        return EXIT_NO_SERVICE
    try:
        if args.offer_id not in link.offers.offers:
            print(_("No offer {offer_id} on this kit").format(offer_id=args.offer_id))
            return 1
        try:
            msg_id = link.offers.accept(args.offer_id) if args.answer == "accept" else link.offers.refuse(
                args.offer_id, args.reason)
        except StepRefused as exc:
            print(_("Refused: {reason}").format(reason=exc), file=sys.stderr)
            return 3
        print(_("Answer recorded ({msg_id}); the kit service sends it.").format(msg_id=msg_id))
        return 0
    finally:
        link.stop()
