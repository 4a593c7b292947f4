"""The words people read for each closed value, rendered from protocol/labels.py into the docs (`make docs`):
the labels reference in docs/operators.md, in English and Simplified Chinese, so an operator reading a
console, the demo or a police tool can look up what a word stands for, and an integrator the other way."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from protocol import labels
from protocol.i18n import language, load, set_language

# Each table in the order an operator meets them, with its heading and where its values come from.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("order_states", "Order states", "hub/orders/states.py"),
    ("order_events", "What moves an order", "hub/orders/states.py, the transitions' events"),
    ("event_kinds", "Operator events", "`ops.event` kinds; `order.<state>` and `offer.<state>` read as the state"),
    ("offer_states", "Offers", "hub/migrations/014_dispatch.sql"),
    ("grades", "Locksmith grades", "hub/registry/validate.py"),
    ("rules", "Dispatch rules", "hub/dispatch/candidates.py (R-5)"),
    ("hold_purposes", "Money held in escrow", "hub/ledger/holds.py"),
    ("hold_states", "Escrow holds", "hub/migrations/012_ledger.sql"),
    ("warning_levels", "Warning levels", "hub/migrations/042_risk.sql"),
    ("timer_kinds", "Deadlines (timers)", "hub/domain.py"),
    ("notify_states", "Text messages", "hub/migrations/070_notify.sql"),
    ("notify_purposes", "What a text message is for", "the hub's `purpose` of each queued message (hub/notify)"),
    ("payment_providers", "Payment providers", "the providers' plugin names"),
    ("refusals", "Why a message was refused", "protocol/errors.py; docs/mqtt.md says more"),
    ("kit_steps", "Steps of a job on the kit", "edge/job/steps.py"),
    ("aborted_by", "Who stopped a job on the kit", "protocol/jobrecords.py `job.aborted` `by`"),
    ("evidence_statuses", "Evidence checks", "hub/evidence/check.py"),
    ("police_record_kinds", "Records in the police export", "the hub's police feed and protocol/jobrecords.py; "
     "`order.<state>` reads as the state"),
)


def _zh() -> Callable[[str], str]:
    return load("zh_CN").gettext


def reference_lines() -> list[str]:
    zh = _zh()
    missing = set(labels.TABLES) - {name for name, _h, _s in SECTIONS}
    if missing:  # a new table must be placed in the reference, not left out silently
        raise ValueError(f"labels tables not in lockwarden/docs_labels.py SECTIONS: {sorted(missing)}")
    out: list[str] = []
    for name, heading, source in SECTIONS:
        out += [f"### {heading}", "", f"Values from {source}.", "", "| value | English | 中文 |", "|---|---|---|"]
        out += [f"| `{value}` | {msgid} | {zh(msgid)} |" for value, msgid in labels.TABLES[name].items()]
        out.append("")
    out += ["### Dispatch settings", "",
            "`settings.set --key KEY --value N` takes the stored value (seconds, fen); the console shows it in the "
            "unit below. Defaults from hub/dispatch/settings.py.", "",
            "| key | English | 中文 | default |", "|---|---|---|---|"]
    out += [f"| `{key}` | {words} ({unit}) | {zh(words)}（{zh(unit)}） | {_default(key)} |"
            for key, (words, unit, _scale) in labels.SETTINGS.items()]
    return out


def _default(key: str) -> str:
    """The default in its unit, as the English console shows it."""
    from hub.dispatch.settings import Settings

    value = {f.name: f.default for f in dataclasses.fields(Settings)}.get(key)
    if value is None:
        return ""
    if labels.SETTINGS[key][1] == "1 yes, 0 no":
        return str(value)
    before = language()
    set_language("en")
    try:
        return labels.setting(key, value)[1]
    finally:
        set_language(before)
