"""The demo's script: each part of the system shows its piece in turn; exits 0 only if all of them held."""

from __future__ import annotations

import logging
import sys
import traceback

from lockwarden.demo import spine
from lockwarden.demo.world import build_world, demo_dir
from protocol.i18n import _

PARTS = [spine]


def run_demo() -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("amqtt").setLevel(logging.CRITICAL)  # its port probe noise is not the demo's story
    directory = demo_dir()

    def say(text: str) -> None:
        print(text, flush=True)

    world = build_world(directory)
    say(_("Lockwarden demo in {dir} (broker: {kind})").format(dir=directory, kind=world.broker.kind))
    results: list[bool] = []
    try:
        world.start_hub()
        for kit_id in ("kit-001", "kit-002", "kit-003"):
            world.add_kit(kit_id)
        for part in PARTS:
            try:
                results.append(bool(part.run(world, say)))
            except Exception:
                traceback.print_exc()
                results.append(False)
    finally:
        world.stop()
    say("")
    say(_("Everything is in {dir}: hub/hub.db, hub/media, kits/*/data/kit.db, police/").format(dir=directory))
    if all(results):
        say(_("Demo finished: every part held."))
        return 0
    say(_("Demo finished with failures."))
    return 1


if __name__ == "__main__":
    sys.exit(run_demo())
