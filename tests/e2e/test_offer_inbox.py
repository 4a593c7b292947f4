"""An offer the kit received survives a restart of the kit service, and a locksmith can answer it from
the command line (`lockwarden kit accept`), which commits a signed job.accept to the outbox."""

from __future__ import annotations

from pathlib import Path

import msgspec

from edge.app import make_kit
from edge.offers import OfferInbox
from edge.service import build_kit_service
from hub.home import init_hub
from hub.provisioning import provision_kit
from lockwarden.cli import main
from protocol.envelope import open_envelope
from protocol.messages.job import JobOffer

OFFER = JobOffer(offer_id="01JGZ0000000000000000000OF", order_id="01JGZ0000000000000000000OR", expires_at=2**50,
                 lock_class="B", category="open", site_address="北京市东城区", site_lat=39.9, site_lon=116.4, eta_s=300)


def test_offer_survives_restart_and_is_answered_from_the_cli(tmp_path: Path) -> None:
    kit_dir = provision_kit(init_hub(tmp_path / "hub"), "kit-a", tmp_path / "kit")
    app = make_kit(kit_dir, connect=False)
    # what the sync engine records when the hub's signed offer arrives
    app.store.remember_downlink("01JGZ0000000000000000000DL", "job.offer", msgspec.to_builtins(OFFER))
    app.store.close()

    app = make_kit(kit_dir, connect=False)
    assert [o.offer_id for o in OfferInbox(app.store).open_offers()] == [OFFER.offer_id]
    app.store.close()

    # The CLI answers through the running kit service (its socket): none running, it refuses (exit 5).
    assert main(["--lang", "en", "kit", "accept", "--dir", str(kit_dir), OFFER.offer_id]) == 5
    # Login first: this kit has no hardware, so nobody can log in and it answers no offer
    # (tests/job/test_login_first.py answers one after a login).
    service = build_kit_service(kit_dir)
    service.start()
    try:
        assert main(["--lang", "en", "kit", "accept", "--dir", str(kit_dir), OFFER.offer_id]) == 3
    finally:
        service.stop()
    app = make_kit(kit_dir, connect=False)
    assert OfferInbox(app.store).offers[OFFER.offer_id].state == "open"
    app.store.close()

    app = make_kit(kit_dir, connect=False)
    OfferInbox(app.store).accept(OFFER.offer_id)  # no gate: as the service does after a login
    app.store.close()
    app = make_kit(kit_dir, connect=False)
    try:
        assert OfferInbox(app.store).offers[OFFER.offer_id].state == "accepted"
        wire = app.store.pending_records()[0][3]
        key = app.store.identity.key.private.public_key()
        env, body = open_envelope(wire, lambda sender: key if sender == "kit-a" else None)
        assert env.type == "job.accept" and body.offer_id == OFFER.offer_id  # type: ignore[attr-defined]
    finally:
        app.store.close()
