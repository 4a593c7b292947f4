"""R-6: the customer gets the locksmith's identity and the one-time service code within 30 s of the order
forming; a hotline caller (an order an operator keyed in) gets them by SMS.

The code is sealed to the hub's own X25519 key the moment it is made (`order_codes`), so an operator can have it
re-sent (`order.resend_code`) without the code ever being shown, logged or stored in clear; the kit holds only
its hash, so a re-sent code must be the same code. The hub's sealing public key is put in the database at
start-up (`install_key`); only the sender, which holds the private key, opens it.
"""

from __future__ import annotations

import json

from hub.db import Conn, transaction
from hub.notify import store
from hub.orders import outbox
from hub.orders import store as orders_store
from hub.orders.store import Order
from hub.registry import store as registry_store
from hub.registry.errors import DomainError
from protocol.clock import Clock
from protocol.i18n import _
from protocol.keys import load_sealing_public
from protocol.sealed import seal

VAULT_KEY = "code_vault_public"
CODE_PURPOSES = ("service_code", "code_resend")
# Orders whose code the customer still needs: formed and not yet verified on site.
CODE_LIVE_STATES = ("formed", "en_route", "on_site")
_AAD = b"lockwarden order code v1:"


def install_key(conn: Conn, sealing_public_b64: str) -> None:
    store.set_key(conn, VAULT_KEY, sealing_public_b64)


def aad(order_id: str) -> bytes:
    """Binds a sealed code to its order: a sealed blob copied to another order does not open."""
    return _AAD + order_id.encode()


def _grade(grade: str) -> str:
    return {"junior": _("junior"), "intermediate": _("intermediate"), "senior": _("senior"),
            "special": _("special grade")}.get(grade, grade)


def order_formed(conn: Conn, clock: Clock, order_id: str, plain_code: str) -> int | None:
    """Called in the transaction that formed the order: seal the code; a hotline order's customer gets the SMS.
    Returns the SMS outbox id, or None when no SMS is due (an app customer reads the code in the app)."""
    public = store.key(conn, VAULT_KEY)
    order = orders_store.order_row(conn, order_id)
    hotline = str(order.created_by).startswith("operator:")
    if public is None:
        if hotline:  # a misconfigured hub: say so at once rather than let the caller wait at the door
            outbox.event(conn, clock, "notify.code_undeliverable", order_id=order_id,
                         message=_("the hub has no code vault key: the service code cannot be sent by SMS"))
        return None
    sealed = seal(json.dumps({"code": plain_code}).encode(), load_sealing_public(public), aad(order_id))
    store.store_code(conn, clock, order_id, sealed)
    if not hotline:
        return None
    return _queue_code(conn, clock, order, sealed, purpose="service_code", actor="hub",
                       started_ms=int(order.formed_ms or clock.now_ms()))


def _queue_code(conn: Conn, clock: Clock, order: Order, sealed: bytes, *, purpose: str,
                actor: str, started_ms: int) -> int:
    card = registry_store.face(conn, order.locksmith)
    assert card is not None, order.locksmith_id  # a formed order's locksmith is filed
    mobile = str(json.loads(order.request_json).get("customer_mobile", ""))
    return store.queue(conn, clock, to=mobile, template_name="service_code",
                       params={"locksmith": card.name, "grade": _grade(card.grade), "unit": card.unit_name},
                       sealed=sealed, purpose=purpose, actor=actor, order_id=order.id, started_ms=started_ms)


def resend(conn: Conn, clock: Clock, actor: str, order_id: str, reason: str = "") -> dict[str, object]:
    """`ops order.resend_code`: the same code again, by SMS to the mobile number of the request. Audited: the
    outbox row names the operator, and the console hears of it; the answer never holds the code."""
    with transaction(conn):
        order = orders_store.order_row(conn, order_id)
        if order.state not in CODE_LIVE_STATES:
            raise DomainError("no_code", _("the service code is only re-sent while the locksmith is on the way or "
                                           "on site (the order is {state})").format(state=order.state))
        sealed = store.sealed_code(conn, order_id)
        if sealed is None:
            raise DomainError("no_code", _("this order's service code was not kept, so it cannot be re-sent"))
        outbox_id = _queue_code(conn, clock, order, sealed, purpose="code_resend", actor=actor,
                                started_ms=clock.now_ms())
        outbox.event(conn, clock, "order.code_resent", order_id=order_id, actor=actor, reason=reason,
                     sms_id=outbox_id)
        mobile = str(json.loads(order.request_json).get("customer_mobile", ""))
        return {"order_id": order_id, "sms_id": outbox_id, "to": store.mask_mobile(mobile)}
