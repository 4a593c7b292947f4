"""The SMS sender: claims due outbox rows, opens their sealed parameters, hands each to the gateway, records
the answer, retries with backoff, and tells the operators about late service codes (R-6) and given-up
messages. It runs on its own thread and database connection, so a slow provider never holds up the hub's
message handling. Nothing here logs a message's parameters or text."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable

from hub.db import Conn, OperationalError, transaction
from hub.notify import store
from hub.notify.code import CODE_PURPOSES, aad
from hub.notify.gateway import Answer, Sms, SmsGateway
from hub.notify.settings import NotifySettings
from hub.orders import outbox
from protocol.clock import Clock
from protocol.i18n import _

log = logging.getLogger(__name__)
Opener = Callable[[bytes, bytes], bytes]  # (sealed, aad) -> plaintext; protocol.sealed.open_sealed with the key


class NotifySender:
    def __init__(self, conn: Conn, clock: Clock, gateway: SmsGateway, settings: NotifySettings,
                 opener: Opener) -> None:
        self.conn = conn
        self.clock = clock
        self.gateway = gateway
        self.settings = settings
        self.opener = opener
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- one pass (tests call this directly with a fake clock) -------------------------------------------
    def step(self) -> int:
        handled = 0
        for q in store.claim_due(self.conn, self.clock):
            self._hand_off(q)
            handled += 1
        self._alert_late()
        return handled

    def backoff_ms(self, attempts: int) -> int:
        return int(min(self.settings.backoff_s * (2 ** attempts), self.settings.backoff_max_s) * 1000)

    def _hand_off(self, q: store.Queued) -> None:
        params = dict(q.params)
        if q.sealed is not None:
            try:
                params.update(json.loads(self.opener(q.sealed, aad(q.order_id or ""))))
            except Exception:  # a blob sealed to another hub key, or altered: nobody can ever send it
                self._give_up(q, "hub.SEALED_PARAMS_UNREADABLE: the sealed parameters do not open with this hub's key")
                return
        try:
            answer = self.gateway.send(Sms(q.id, q.to, q.template, params))
        except OSError as exc:
            answer = Answer(False, "", "hub.PROVIDER_UNREACHABLE", str(exc), retry=True)
        except Exception as exc:  # an adapter fault: kept and retried, never lost
            log.exception("SMS gateway %s failed on message %d", self.gateway.name, q.id)
            answer = Answer(False, "", "hub.GATEWAY_FAULT", type(exc).__name__, retry=True)
        if answer.accepted:
            store.record(self.conn, self.clock, q.id, provider=self.gateway.name, ok=True, answer=answer.summary(),
                         ref=answer.ref)
            log.info("SMS %d (%s) handed to %s as %s", q.id, q.template, self.gateway.name, answer.ref)
            return
        attempts = q.attempts + 1
        if answer.retry and attempts < self.settings.max_attempts:
            store.record(self.conn, self.clock, q.id, provider=self.gateway.name, ok=False, answer=answer.summary(),
                         next_ms=self.clock.now_ms() + self.backoff_ms(q.attempts))
            log.warning("SMS %d (%s) not taken by %s (%s); retrying", q.id, q.template, self.gateway.name, answer.code)
            return
        self._give_up(q, answer.summary())

    def _give_up(self, q: store.Queued, why: str) -> None:
        store.record(self.conn, self.clock, q.id, provider=self.gateway.name, ok=False, answer=why, next_ms=None)
        log.error("SMS %d (%s) given up: %s", q.id, q.template, why.split(":")[0])
        with transaction(self.conn):
            outbox.event(self.conn, self.clock, "notify.failed", sms_id=q.id, order_id=q.order_id,
                         purpose=q.purpose, to=store.mask_mobile(q.to), answer=why,
                         message=_("An SMS could not be delivered; call the customer."))

    def _alert_late(self) -> None:
        limit_ms = int(self.settings.code_alert_s * 1000)
        late = store.late_unalerted(self.conn, self.clock, CODE_PURPOSES, limit_ms)
        if not late:
            return
        with transaction(self.conn):
            for r in late:
                elapsed = (r["handed_ms"] if r["handed_ms"] is not None else self.clock.now_ms()) - r["started_ms"]
                outbox.event(self.conn, self.clock, "notify.code_late", sms_id=r["id"], order_id=r["order_id"],
                             elapsed_ms=elapsed, handed=r["handed_ms"] is not None,
                             message=_("The service code did not reach the SMS provider within {s} s of the order "
                                       "forming.").format(s=int(self.settings.code_alert_s)))
                store.mark_alerted(self.conn, self.clock, r["id"])

    # -- the thread ---------------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="notify-sender", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.conn.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.step()
            except OperationalError:
                log.exception("notify sender: storage busy; trying again")
                busy = 0
            except Exception:
                log.exception("notify sender pass failed")
                busy = 0
            if not busy:
                self._wake.wait(0.1)
                self._wake.clear()
