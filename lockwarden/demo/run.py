"""The demo's script: each part of the system shows its piece in turn; exits 0 only if all of them held."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lockwarden.demo import customers, dispatch, faults, hostile, money, onsite, police, police_access, spine
from lockwarden.demo.city import LOCKSMITHS, OPERATOR, UNIT, City, wait
from lockwarden.demo.dispatch import Dispatcher
from lockwarden.demo.story import Story
from lockwarden.demo.world import World, build_world, demo_dir
from protocol.i18n import _
from protocol.labels import GRADES, N_, label


@dataclass
class Cast:
    """Who and what the acts work with; `context` carries one act's results to the next."""

    world: World
    city: City
    say: Story
    police: police.PoliceSide
    context: dict[str, Any] = field(default_factory=dict)


CITY = N_("The city: a broker, a hub, a locksmith company and three locksmiths with their kits")

# The acts in the order they are told after the city is set up: (heading, the act -> True when its part held).
# A new part of the system adds its act here; tests/test_demo.py checks every heading is told, in this order.
ACTS: list[tuple[str, Callable[[Cast], bool]]] = [
    (N_("The kits' records and videos reach the hub, once each, even over a broken link"),
     lambda c: spine.run(c.world, c.say)),
    (N_("Customers ask for a locksmith: dispatch by each rule, the customer's choice, money into escrow"),
     lambda c: _keep(c, "orders", dispatch.run(c.city, c.say))),
    (N_("The kit's job on site: checks, evidence, completion, settlement, documents"),
     lambda c: _keep(c, "jobs", onsite.run(c.city, c.say, c.context["orders"]))),
    # Before the police act, so the export it checks holds these customers' orders too.
    (N_("A hotline caller and a customer on the web app: text messages and payments the provider signs"),
     lambda c: customers.run(c.city, c.say)),
    (N_("The police: a red warning, a case from a missed deadline, a decision, the verified export"),
     lambda c: police.run(c.city, c.say, c.police, c.context["orders"])),
    (N_("Police at work: a search by person, a customer's ID photo opened, the access log verified"),
     lambda c: police_access.run(c.city, c.say, c.police, c.context["orders"])),
    (N_("Refunds: money released to customers goes back the way it came"), lambda c: money.run(c.city, c.say)),
    (N_("Faults the hub rides out: a full disk, a kit that leaves"), lambda c: faults.run(c.city, c.say)),
    (N_("Hostile input: a stolen kit's account attacks the hub"), lambda c: hostile.run(c.world, c.say)),
]


def run_demo() -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("amqtt").setLevel(logging.CRITICAL)  # its port probe noise is not the demo's story
    directory = demo_dir()

    say = Story()
    from hub.ledger.payments import register_provider
    from lockwarden.demo.sandbox_pay import SANDBOX

    register_provider(SANDBOX)
    world = build_world(directory)
    say(_("Lockwarden demo: the whole system on this machine, its files in {dir}").format(dir=directory))
    results: list[bool] = []
    city = City(world)
    city.dispatcher = Dispatcher(city, say)
    try:
        police_side = police.PoliceSide(city)
        police_side.provision()
        say.section(_(CITY))
        say(_("The message broker is {kind}; the hub keeps its database and media in hub/").format(
            kind=_("Mosquitto") if world.broker.kind == "mosquitto" else _("an embedded one (no access rules)")))
        hub = world.start_hub()
        say.bind(hub)
        city.open_operator()
        police_side.start()
        city.file_registry()
        say(_("The operator on duty, {operator}, files the company {unit} and its locksmiths with the hub; each "
              "carries a kit with an emulated fingerprint sensor, GNSS receiver and camera:").format(
            operator=OPERATOR, unit=UNIT))
        for kit_id, (name, grade, _pos) in LOCKSMITHS.items():
            say(_("  {name}, {grade}, kit {kit} (its files in kits/{kit}/)").format(
                name=name, grade=label(GRADES, grade), kit=kit_id))
        city.start_kits(city.dispatcher.policy)
        if not wait(city.kits_online, 30):
            raise RuntimeError("kits did not come online at the hub")
        say(_("Each locksmith logs in on the kit with a finger; the hub sees all three kits online"))
        cast = Cast(world, city, say, police_side)
        for title, act in ACTS:
            say.section(_(title))
            try:
                results.append(bool(act(cast)))
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
    say.ending(_("The end"))
    say(_("Everything is in {dir}: hub/hub.db, hub/media, kits/*/data/kit.db, police/").format(dir=directory))
    if results and all(results):
        say(_("Demo finished: every part held."))
        return 0
    say(_("Demo finished with failures."))
    return 1


def _keep(cast: Cast, key: str, value: tuple[bool, Any]) -> bool:
    cast.context[key] = value[1]
    return value[0]


if __name__ == "__main__":
    sys.exit(run_demo())
