"""The sandbox SMS provider (the default): every message is rendered as the phone would show it and kept in
the hub database (`notify_sandbox_inbox`), where the demo's and the sandbox city's customers read it."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from hub.notify.gateway import Answer, Sms
from hub.notify.templates import template

_counter = itertools.count(1)


class SandboxSms:
    name = "sandbox"

    def __init__(self, sink: Callable[[str, str, str, str], None]) -> None:
        self.sink = sink

    def send(self, sms: Sms) -> Answer:
        text = template(sms.template).render(sms.params)
        ref = f"sandbox-{sms.outbox_id}-{next(_counter)}"
        self.sink(sms.to, text, sms.template, ref)
        return Answer(True, ref, "OK")
