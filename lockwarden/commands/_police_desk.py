"""The police's decision desk on the contract (`lockwarden police-decide`): signs `police.decision` as the
police principal on `lw/v1/police/decision` and waits for the hub's `police.decision_result`, accepting
only what the pinned hub key signed."""

from __future__ import annotations

import secrets
import time
from typing import Any

from lockwarden.clients.party import Party
from protocol.keys import SigningKey
from protocol.messages.police import PoliceDecision, PoliceDecisionResult
from protocol.topics import POLICE_DECISION, POLICE_DECISION_RESP
from protocol.transport.paho_mqtt import LinkSettings


class PoliceDesk(Party):
    def __init__(self, police_id: str, key: SigningKey, hub_verify_b64: str, link: LinkSettings, **kw: Any) -> None:
        # The police export signs its acknowledgements as the same principal, numbering them by the
        # millisecond. The hub refuses a reused (sender, seq) as a replay, so the desk counts in a range
        # a thousand times higher (milliseconds x 1000 + a random offset) that the export never reaches.
        super().__init__(police_id, key, hub_verify_b64, link, up_topic=POLICE_DECISION.build(),
                         down_topics=[POLICE_DECISION_RESP.build()],
                         seq_start=int(time.time() * 1000) * 1000 + secrets.randbelow(1000), **kw)

    def decide(self, body: PoliceDecision, *, timeout: float = 30.0) -> PoliceDecisionResult:
        self.send("police.decision", body)
        got = self.wait_for(lambda r: isinstance(r.body, PoliceDecisionResult)
                            and r.body.decision_id == body.decision_id, timeout)
        assert isinstance(got.body, PoliceDecisionResult)
        return got.body


def open_desk(police_id: str, key: SigningKey, hub_verify_b64: str, link: LinkSettings, *, hub_id: str = "hub",
              timeout: float = 10.0) -> PoliceDesk:
    desk = PoliceDesk(police_id, key, hub_verify_b64, link, hub_id=hub_id)
    try:
        desk.start(timeout)
    except TimeoutError:
        desk.stop()
        raise
    return desk
