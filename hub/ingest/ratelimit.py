"""A token bucket per sending account, so one flooding account cannot crowd out everyone else.

The account is the one the broker authenticated: the kit, customer or operator id in the topic (the shipped
ACL lets an account publish only under its own id), so the check runs before any parsing or signature check
and a forger cannot spend someone else's tokens. Rates per role are data (`protocol.limits.SENDER_RATE`).

Over the limit, a message is quarantined as `rate_limited` (its bounded prefix kept) and acknowledged at the
MQTT level, so the broker does not keep it. Nothing legitimate is lost by that: a kit is not told its record
was quarantined (the hub's ack lists neither stored nor quarantined), so the kit keeps it and sends it again
later, when its bucket has refilled (it then arrives after records captured later: `seq` and `captured_at`
keep the true order); an app's request goes unanswered and the app asks again, as it does after any lost
answer.

Why not delay instead: the broker holds one queue for the hub's session, in arrival order, and hands the hub
at most `max_inflight_messages` unacknowledged at a time. Holding a flooder's messages unacknowledged would
fill that window with them, and every other account's messages would wait behind the flood in the broker's
queue; acknowledging them at once, before any parsing or signature work, is what lets the others through.
"""

from __future__ import annotations

from functools import lru_cache

from protocol import topics
from protocol.clock import Clock
from protocol.limits import SENDER_RATE, Rate

_ROLE_OF_PARAM = {"kit_id": "kit", "operator_id": "operator", "customer_id": "customer"}
MAX_TRACKED = 100_000  # accounts with a bucket in memory; full buckets are forgotten beyond this


@lru_cache(maxsize=16384)
def account_of(topic: str) -> tuple[str, str] | None:
    """(role, account id) a topic belongs to, or None for topics no limited account publishes on."""
    parsed = topics.parse(topic)
    if parsed is None:
        return None
    spec, params = parsed
    for param, role in _ROLE_OF_PARAM.items():
        if param in params:
            return role, params[param]
    if spec.name in ("police_ack", "police_decision"):
        return "police", "police"
    return None


class SenderRates:
    def __init__(self, clock: Clock, rates: dict[str, Rate] | None = None) -> None:
        self.clock = clock
        self.rates = rates if rates is not None else SENDER_RATE
        self._buckets: dict[tuple[str, str], tuple[float, int]] = {}  # account -> (tokens, at_ms)
        self.limited: dict[str, int] = {}  # account id -> messages refused since start

    def allow(self, topic: str) -> bool:
        """Take one token from the account publishing on `topic`; False when it has none left."""
        account = account_of(topic)
        if account is None:
            return True
        rate = self.rates.get(account[0])
        if rate is None:
            return True
        now = self.clock.now_ms()
        tokens, at = self._buckets.get(account, (float(rate.burst), now))
        tokens = min(float(rate.burst), tokens + max(0, now - at) * rate.per_second / 1000.0)
        if tokens < 1.0:
            self._buckets[account] = (tokens, now)
            self.limited[account[1]] = self.limited.get(account[1], 0) + 1
            return False
        self._buckets[account] = (tokens - 1.0, now)
        if len(self._buckets) > MAX_TRACKED:
            self._forget_full(now)
        return True

    def _forget_full(self, now: int) -> None:
        for account, (tokens, at) in list(self._buckets.items()):
            rate = self.rates[account[0]]
            if tokens + max(0, now - at) * rate.per_second / 1000.0 >= rate.burst:
                del self._buckets[account]
