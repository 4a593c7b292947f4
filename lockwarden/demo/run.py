"""The demo's script: each part of the system shows its piece in turn; exits 0 only if all of them held."""

from __future__ import annotations

import logging
import sys
import traceback
from typing import Any

from lockwarden.demo import customers, dispatch, faults, hostile, money, onsite, police, police_access, spine
from lockwarden.demo.city import City, wait
from lockwarden.demo.dispatch import Dispatcher
from lockwarden.demo.world import build_world, demo_dir
from protocol.i18n import _


def run_demo() -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("amqtt").setLevel(logging.CRITICAL)  # its port probe noise is not the demo's story
    directory = demo_dir()

    def say(text: str) -> None:
        print(text, flush=True)

    from hub.ledger.payments import register_provider
    from lockwarden.demo.sandbox_pay import SANDBOX

    register_provider(SANDBOX)
    world = build_world(directory)
    say(_("Lockwarden demo in {dir} (broker: {kind})").format(dir=directory, kind=world.broker.kind))
    results: list[bool] = []
    city = City(world)
    city.dispatcher = Dispatcher(city, say)
    context: dict[str, Any] = {}
    try:
        police_side = police.PoliceSide(city)
        police_side.provision()
        world.start_hub()
        city.open_operator()
        police_side.start()
        city.file_registry()
        say(_("Filed: one unit and {n} locksmiths, each linked to a kit with an emulated fingerprint sensor, "
              "GNSS receiver and camera").format(n=len(city.locksmith_of)))
        city.start_kits(city.dispatcher.policy)
        if not wait(city.kits_online, 30):
            raise RuntimeError("kits did not come online at the hub")
        steps: list[Any] = [
            ("spine", lambda: spine.run(world, say)),
            ("dispatch", lambda: _keep(context, "orders", dispatch.run(city, say))),
            ("onsite", lambda: _keep(context, "jobs", onsite.run(city, say, context["orders"]))),
            # Before the police part, so the export it checks holds the customers' orders too.
            ("customers", lambda: customers.run(city, say)),
            ("police", lambda: police.run(city, say, police_side, context["orders"])),
            ("police_access", lambda: police_access.run(city, say, police_side, context["orders"])),
            ("money", lambda: money.run(city, say)),
            ("faults", lambda: faults.run(city, say)),
            ("hostile", lambda: hostile.run(world, say)),
        ]
        for _name, step in steps:
            try:
                results.append(bool(step()))
            except Exception:
                traceback.print_exc()
                results.append(False)
    except Exception:
        traceback.print_exc()
        results.append(False)
    finally:
        if "police_side" in locals():
            police_side.stop()
        city.stop()
        world.stop()
    say("")
    say(_("Everything is in {dir}: hub/hub.db, hub/media, kits/*/data/kit.db, police/").format(dir=directory))
    if results and all(results):
        say(_("Demo finished: every part held."))
        return 0
    say(_("Demo finished with failures."))
    return 1


def _keep(context: dict[str, Any], key: str, value: tuple[bool, Any]) -> bool:
    context[key] = value[1]
    return value[0]


if __name__ == "__main__":
    sys.exit(run_demo())
