"""How the duty officer hears about a new case: a command, a webhook, an MQTT topic, or the log (demo).

Configured by one string (`--notifier`): `log`, `command:/usr/local/bin/page-officer --urgent`,
`webhook:https://duty.example/cases`, `mqtt` (topic `lw/v1/police/cases`) or `mqtt:lw/v1/police/cases/STATION`.
Each receives the case as JSON. An MQTT case counts as delivered only once the broker acknowledged it, and
only topics under `lw/v1/police/cases` are accepted: the shipped ACL lets the police account write there and
nowhere else, and a broker drops a refused publish without telling the sender.
"""

from __future__ import annotations

import json
import logging
import shlex
import subprocess
import urllib.request
from collections.abc import Callable
from typing import Any, Protocol

from protocol.i18n import _
from protocol.topics import POLICE_CASES

log = logging.getLogger(__name__)


class Notifier(Protocol):
    def notify(self, case: dict[str, Any]) -> None:
        """Deliver or raise; the case desk retries a notification that raised."""
        ...


def _payload(case: dict[str, Any]) -> bytes:
    return json.dumps(case, ensure_ascii=False, sort_keys=True).encode("utf-8")


class LogNotifier:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def notify(self, case: dict[str, Any]) -> None:
        self.sent.append(case)
        if case.get("kind") == "risk.warning":
            log.warning("%s", _("Duty desk alert {alert}: {reason}").format(alert=case["case_id"], reason=case["reason"]))
            return
        log.warning("%s", _("Case {case} opened for order {order}: {reason}").format(
            case=case["case_id"], order=case["order_id"], reason=case["reason"]))


class CommandNotifier:
    def __init__(self, argv: list[str], timeout_s: float = 30) -> None:
        self.argv = argv
        self.timeout_s = timeout_s

    def notify(self, case: dict[str, Any]) -> None:
        subprocess.run(self.argv, input=_payload(case), check=True, timeout=self.timeout_s)


class WebhookNotifier:
    def __init__(self, url: str, timeout_s: float = 10) -> None:
        self.url = url
        self.timeout_s = timeout_s

    def notify(self, case: dict[str, Any]) -> None:
        req = urllib.request.Request(self.url, data=_payload(case), method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
        with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:  # noqa: S310 (configured URL)
            if resp.status >= 300:
                raise OSError(f"webhook answered {resp.status}")


# (topic, payload, seconds to wait) -> True once the broker acknowledged it
ConfirmedPublish = Callable[[str, bytes, float], bool]
CONFIRM_S = 10.0


class MqttNotifier:
    def __init__(self, publish: ConfirmedPublish, topic: str) -> None:
        self.publish = publish
        self.topic = topic

    def notify(self, case: dict[str, Any]) -> None:
        if not self.publish(self.topic, _payload(case), CONFIRM_S):
            raise OSError(f"the broker did not acknowledge the case on {self.topic} within {CONFIRM_S:.0f} s")


def case_topic(arg: str) -> str:
    base = POLICE_CASES.build()
    topic = arg or base
    if topic != base and not topic.startswith(base + "/"):
        raise ValueError(f"an mqtt notifier publishes under {base} (the police account's ACL allows nothing else), "
                         f"not {topic!r}")
    return topic


def notifier_from_spec(spec: str, publish: ConfirmedPublish | None = None) -> Notifier:
    kind, _sep, arg = spec.partition(":")
    if kind == "log":
        return LogNotifier()
    if kind == "command" and arg:
        return CommandNotifier(shlex.split(arg))
    if kind == "webhook" and arg:
        return WebhookNotifier(arg)
    if kind == "mqtt":
        if publish is None:
            raise ValueError("an mqtt notifier needs a connected transport")
        return MqttNotifier(publish, case_topic(arg))
    raise ValueError(f"unknown notifier {spec!r} (log | command:ARGV | webhook:URL | mqtt[:TOPIC])")
