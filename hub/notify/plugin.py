"""Plugging notifications into the hub service: the code vault key into the database, the configured gateway
and the sender thread (own connection) started and stopped with the hub."""

from __future__ import annotations

from typing import Any

from hub.db import connect
from hub.notify import code, store
from hub.notify.factory import make_gateway
from hub.notify.sender import NotifySender
from protocol.clock import Clock
from protocol.sealed import open_sealed


def install(app: Any, clock: Clock) -> NotifySender:
    home = app.home
    settings = app.settings.notify
    code.install_key(app.conn, home.sealing_public())
    store.set_key(app.conn, store.PUBLIC_URL_KEY, settings.public_url)
    private = home.sealing_key().private
    conn = connect(home.database())
    gateway = make_gateway(settings, lambda to, text, tpl, ref: store.sandbox_deliver(conn, clock, to, text, tpl, ref),
                           clock=clock)
    sender = NotifySender(conn, clock, gateway, settings, lambda blob, aad: open_sealed(blob, private, aad))
    app.on_start.append(sender.start)
    app.on_stop.append(sender.stop)
    app.plugins["notify"] = sender
    return sender
