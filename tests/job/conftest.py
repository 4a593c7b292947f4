from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from edge.identity import KitIdentity
from edge.job.config import JobSettings, LocksmithProfile
from edge.job.devices import Fix
from edge.job.flow import JobFlow
from edge.job.pin import hash_pin
from edge.store import KitStore
from protocol.clock import FakeClock
from protocol.keys import SealingKey, SigningKey
from protocol.service_code import hash_code
from tests.job.fakes import FakeCamera, FakeFingerprint, FakePosition, fake_devices

SITE = (39.9087, 116.3975)
CODE = "482913"
ORDER_ID = "01JGZ0000000000000000000AA"



def order_body(order_id: str = ORDER_ID, locksmith_id: str = "ls-0001", code: str = CODE) -> dict[str, Any]:
    return {
        "order_id": order_id, "locksmith_id": locksmith_id, "customer_name": "张三",
        "customer_mobile": "13800138000", "customer_id_number": "110101199003077777",
        "site_address": "北京市东城区东长安街1号", "site_lat": SITE[0], "site_lon": SITE[1],
        "lock_class": "B", "category": "open", "prepayment_fen": 5000, "deposit_fen": 20000,
        "code_hash": hash_code(code, n=2**10), "witness": {"name": "王五", "id_number": "110101198505052222"},
    }


@dataclass
class Kit:
    dir: Path
    clock: FakeClock
    store: KitStore
    flow: JobFlow
    fp: FakeFingerprint
    pos: FakePosition
    cam: FakeCamera
    hub_signing: SigningKey
    hub_sealing: SealingKey
    identity: KitIdentity

    def reopen(self) -> Kit:
        """A reboot: close everything and open the same data dir again with fresh devices."""
        self.flow.close()
        self.store.close()
        store = KitStore(self.dir, self.identity, self.clock)
        devices, fp, pos, cam = fake_devices(self.pos.current)
        flow = JobFlow(store, devices, settings=self.flow.settings, locksmiths=list(self.flow.locksmiths.values()))
        return Kit(self.dir, self.clock, store, flow, fp, pos, cam, self.hub_signing, self.hub_sealing, self.identity)


PIN = "2468"
_PIN_HASH = hash_pin(PIN)


@pytest.fixture
def kit(tmp_path: Path) -> Iterator[Kit]:
    clock = FakeClock()
    hub_signing, hub_sealing = SigningKey.generate(), SealingKey.generate()
    identity = KitIdentity("kit-0001", SigningKey.generate(), hub_signing.private.public_key(),
                           hub_sealing.private.public_key())
    store = KitStore(tmp_path / "kit", identity, clock)
    devices, fp, pos, cam = fake_devices(Fix(SITE[0] + 0.0002, SITE[1], quality=1, satellites=9))
    profile = LocksmithProfile(**{**_profile_fields(), "pin_hash": _PIN_HASH})
    other = LocksmithProfile(locksmith_id="ls-0002", name="赵六", work_no="BJ-KS-0002", fingerprint_slots=[3])
    flow = JobFlow(store, devices, settings=JobSettings(arrival_max_distance_m=100), locksmiths=[profile, other])
    k = Kit(tmp_path / "kit", clock, store, flow, fp, pos, cam, hub_signing, hub_sealing, identity)
    yield k
    k.flow.close()
    k.store.close()


def _profile_fields() -> dict[str, Any]:
    return {"locksmith_id": "ls-0001", "name": "李建国", "work_no": "BJ-KS-0001", "id_number": "110105198001011234",
            "unit": "北京安居开锁服务部", "fingerprint_slots": [0, 1, 2]}


# The emulated-hardware kit (tests/job/rig.py); imported last: rig.py reads the constants above.
from tests.job.rig import rig  # noqa: E402, F401
