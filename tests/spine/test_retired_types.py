"""An old kit that still reports the on-site job with `job.step`, `job.verify`, `job.fee_received` or
`job.withdraw` (contract 1) is told clearly why its message is refused: the types are retired, and the
refusal names what replaced them. Sent through the real broker by a real kit store; the hub keeps serving."""

from __future__ import annotations

import time

import msgspec
import pytest

from edge.app import make_kit
from hub.service import make_hub
from protocol import topics
from protocol.envelope import Envelope, typed_body
from protocol.errors import Rejected
from protocol.ids import new_id
from protocol.keys import SigningKey, b64
from protocol.registry import RETIRED
from tests.spine.helpers import kit_password, poll, publish, raw_client, wait_hub_online

OLD = {  # what a contract-1 kit sent
    "job.step": {"order_id": "01JGZ0000000000000000000AA", "step": "set_out"},
    "job.verify": {"order_id": "01JGZ0000000000000000000AA", "service_code": "482913",
                   "locksmith_finger": "right_index", "locksmith_template_sha256": "ab" * 32,
                   "customer_photo_sha256": "ab" * 32, "customer_id_photo_sha256": "ab" * 32,
                   "customer_fp_sha256": "ab" * 32},
    "job.fee_received": {"order_id": "01JGZ0000000000000000000AA", "fee_fen": 15000},
    "job.withdraw": {"order_id": "01JGZ0000000000000000000AA"},
}


def _old_envelope(key: SigningKey, sender: str, seq: int, type_name: str) -> Envelope:
    """Signed as a contract-1 kit signed it (this contract's sealing refuses the type before signing)."""
    now = int(time.time() * 1000)
    env = Envelope(v=1, id=new_id(now), sender=sender, seq=seq, ts=now, type=type_name, body=OLD[type_name])
    return msgspec.structs.replace(env, sig=b64(key.sign(env.signing_bytes())))


def test_every_retired_type_is_refused_with_what_replaced_it() -> None:
    assert set(OLD) == set(RETIRED)
    for type_name in OLD:
        env = _old_envelope(SigningKey.generate(), "kit-a", 1, type_name)
        with pytest.raises(Rejected) as refused:
            typed_body(env)
        assert refused.value.reason == "retired_type"
        assert "retired" in refused.value.detail and "kit.record" in refused.value.detail


def test_an_old_kits_set_out_is_quarantined_as_retired(deployment) -> None:  # type: ignore[no-untyped-def]
    hub = make_hub(deployment.home.dir)
    hub.start()
    kit = make_kit(deployment.kits["kit-a"], connect=False)
    try:
        wait_hub_online(deployment.port, deployment.probes["probe-watch"])
        topic = topics.KIT_UP_JOB.build(kit_id="kit-a")
        wire = _old_envelope(kit.store.identity.key, "kit-a", 10**6, "job.step").to_wire()
        c = raw_client(deployment.port, "kit-a", kit_password(deployment.kits["kit-a"]), "kit-a")
        publish(c, topic, wire)

        def reasons() -> list[tuple[str, str]]:
            with hub._lock:
                return [(r[0], r[1]) for r in hub.conn.execute("SELECT reason, detail FROM quarantine ORDER BY n")]

        assert poll(lambda: any(r == "retired_type" for r, _d in reasons()), 20), reasons()
        detail = next(d for r, d in reasons() if r == "retired_type")
        assert "job.step" in detail and "job.set_out" in detail
        c.loop_stop()
        c.disconnect()
    finally:
        kit.store.close()
        hub.stop()
