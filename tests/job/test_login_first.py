"""Login first from the command line: with nobody logged in on the kit, `lockwarden kit accept` and every
step of `lockwarden kit job` are refused (exit 3, said on stderr); after a login they go through; a login
idle past `session_idle_s` lapses with a signed `session.logout` (reason idle). Password and pattern join the
PIN, hashed the same way."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from edge.job.pin import check_password, check_pattern, hash_password, hash_pattern
from lockwarden.cli import main
from protocol.messages.job import JobOffer
from tests.job.conftest import CODE, ORDER_ID, order_body
from tests.job.rig import LOCKSMITH_FINGER, KitRig

OFFER = JobOffer(offer_id="01JGZ0000000000000000000OF", order_id="01JGZ0000000000000000000OR", expires_at=2**50,
                 lock_class="B", category="open", site_address="北京市东城区", site_lat=39.9, site_lon=116.4, eta_s=300)


def _accept(rig: KitRig) -> int:
    return main(["--lang", "en", "kit", "accept", "--dir", str(rig.dir), OFFER.offer_id])


def test_nothing_without_a_login(rig: KitRig, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = rig.store()
    store.remember_downlink("01JGZ0000000000000000000DL", "job.offer", msgspec.to_builtins(OFFER))
    store.close()
    order = tmp_path / "order.json"
    order.write_text(json.dumps(order_body(), ensure_ascii=False), encoding="utf-8")
    assert rig.run("receive", str(order)) == 0  # the hub's order is recorded whoever holds the kit

    assert _accept(rig) == 3
    assert "Log in first" in capsys.readouterr().err
    assert rig.run("arrive", "--code", CODE) == 3
    assert "Next: locksmith logged in" in capsys.readouterr().err

    rig.fp.place_finger(LOCKSMITH_FINGER)
    assert rig.run("login") == 0
    rig.fp.remove_finger()
    assert _accept(rig) == 0
    assert rig.run("arrive", "--code", CODE) == 0
    assert rig.run("logout") == 0
    assert rig.run("verify") == 3  # logged out: refused again
    assert "No locksmith is logged in" in capsys.readouterr().err
    store = rig.store()
    try:
        kinds = [r.kind for r in store.records_for_order(ORDER_ID)]
        assert "job.arrived" in kinds or any("arriv" in k for k in kinds)
    finally:
        store.close()


def test_password_and_pattern_hashes() -> None:
    h = hash_password("门锁 Secret-42!")
    assert h.startswith("scrypt$") and "Secret" not in h
    assert check_password("门锁 Secret-42!", h)
    assert not check_password("门锁 secret-42!", h)  # case and symbols count, unlike a service code
    assert not check_password("", h)
    p = hash_pattern([1, 5, 9, 6])
    assert check_pattern([1, 5, 9, 6], p) and not check_pattern([6, 9, 5, 1], p)
    assert not check_pattern([1, 1, 5, 9], p)
    with pytest.raises(ValueError):
        hash_pattern([1, 2, 3])  # too short to be worth anything
