"""Every closed value a person reads has a label in protocol/labels.py, in English and in Simplified
Chinese. The values are taken from where each enum is defined (the order machine, the registry, the ledger's
schema, the risk schema, the timer table, the dispatch settings, the hub's event calls), so a new value
without a label fails here."""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path

import msgspec
import pytest

from edge.job.steps import Step
from hub.dispatch import candidates
from hub.dispatch.settings import Settings
from hub.domain import TIMER_HANDLERS
from hub.evidence import check
from hub.ledger import holds
from hub.orders.states import STATES, TRANSITIONS
from hub.registry.validate import GRADES
from protocol import labels
from protocol.errors import Reason
from protocol.i18n import load, set_language
from protocol.jobrecords import Aborted, RecordKind

ROOT = Path(__file__).resolve().parents[1]


def _check_values(sql_file: str, column: str) -> set[str]:
    text = (ROOT / "hub" / "migrations" / sql_file).read_text(encoding="utf-8")
    found = re.search(rf"{column} TEXT NOT NULL CHECK \({column} IN \(([^)]*)\)\)", text)
    assert found, (sql_file, column)
    return {v.strip().strip("'") for v in found.group(1).split(",")}


def _event_kinds() -> set[str]:
    """Literal kinds of every outbox.event(...) call in the hub (order.<state> / offer.<state> come from
    the state tables and are checked through them)."""
    kinds: set[str] = set()
    for path in (ROOT / "hub").rglob("*.py"):
        kinds |= set(re.findall(r"outbox\.event\([a-z.]*conn, [a-z.]*clock, \"([a-z_.]+)\"", path.read_text(encoding="utf-8")))
    return kinds


def _police_kinds() -> set[str]:
    """Literal kinds of every police_feed.emit(...) in the hub (order.<state> read as the state)."""
    kinds: set[str] = set()
    for path in (ROOT / "hub").rglob("*.py"):
        kinds |= set(re.findall(r'police_feed\.emit\(conn, "([a-z_.]+)"', path.read_text(encoding="utf-8")))
    return kinds


def _provider_names() -> set[str]:
    """The `name` of every payment provider class: the built-in ones, the hub's plugins, the demo's."""
    files = [ROOT / "hub" / "ledger" / "payments.py", ROOT / "lockwarden" / "demo" / "sandbox_pay.py",
             *(ROOT / "hub" / "payments").glob("*.py")]
    return {name for f in files for name in re.findall(r'^    name = "([a-z_]+)"$', f.read_text(encoding="utf-8"), re.M)}


def _aborted_by() -> set[str]:
    """Who may stop a job on the kit: the record's default and every `by=` the kit passes to abort()."""
    default = {f.default for f in msgspec.structs.fields(Aborted) if f.name == "by"}
    flow = (ROOT / "edge" / "job" / "flow.py").read_text(encoding="utf-8")
    return {str(v) for v in default} | set(re.findall(r'\bby="([a-z_]+)"', flow))


def _notify_purposes() -> set[str]:
    """Every `purpose` a text message is queued for in the hub."""
    return {p for path in (ROOT / "hub").rglob("*.py")
            for p in re.findall(r'purpose="([a-z_]+)"', path.read_text(encoding="utf-8"))}


ENUMS = {
    "order_states": lambda: set(STATES),
    "order_events": lambda: {t.event for t in TRANSITIONS},
    "event_kinds": lambda: {k for k in _event_kinds()
                            if not (k.startswith("order.") and k[6:] in labels.ORDER_STATES)},
    "offer_states": lambda: _check_values("014_dispatch.sql", "state"),
    "grades": lambda: set(GRADES),
    "rules": lambda: set(candidates.RULES),
    "hold_purposes": lambda: set(typing.get_args(holds.Purpose)),
    "hold_states": lambda: _check_values("012_ledger.sql", "state"),
    "warning_levels": lambda: _check_values("042_risk.sql", "level"),
    "timer_kinds": lambda: set(TIMER_HANDLERS),
    "notify_states": lambda: _check_values("070_notify.sql", "state"),
    "payment_providers": lambda: _provider_names(),
    "refusals": lambda: {r.value for r in Reason},
    "police_record_kinds": lambda: _police_kinds() | {k.value for k in RecordKind},
    "aborted_by": lambda: _aborted_by(),
    "kit_steps": lambda: {s.value for s in Step},
    "evidence_statuses": lambda: set(typing.get_args(check.Status)),
    "notify_purposes": lambda: _notify_purposes(),
}


@pytest.mark.parametrize("table", sorted(ENUMS))
def test_every_value_has_a_label(table: str) -> None:
    values = ENUMS[table]()
    assert values, table  # the source was found
    missing = values - set(labels.TABLES[table])
    assert not missing, f"{table}: no label for {sorted(missing)}"


def test_every_setting_has_words_and_a_unit() -> None:
    missing = {f.name for f in dataclasses.fields(Settings)} - set(labels.SETTINGS)
    assert not missing, f"settings without a label: {sorted(missing)}"


def _msgids() -> set[str]:
    ids = {m for table in labels.TABLES.values() for m in table.values()}
    return ids | {m for words, unit, _scale in labels.SETTINGS.values() for m in (words, unit)}


def test_every_label_is_translated() -> None:
    zh = load("zh_CN")
    untranslated = sorted(m for m in _msgids() if zh.gettext(m) == m)
    assert not untranslated, f"labels with no zh_CN translation: {untranslated}"


def test_labels_read_in_the_reader_language() -> None:
    try:
        set_language("en")
        assert labels.label(labels.ORDER_STATES, "awaiting_documents") == "awaiting documents"
        assert labels.setting("documents_ttl_s", 259200) == ("Time to hand in documents", "3 days")
        assert labels.setting("deposit_fen", 20000) == ("Deposit", "200 yuan")
        assert labels.event_kind("order.en_route") == "order en route"
        set_language("zh_CN")
        assert labels.label(labels.GRADES, "senior") == "高级锁匠"
        assert labels.setting("offer_ttl_s", 30) == ("锁匠接单时限", "30 秒")
        assert labels.label(labels.ORDER_STATES, "not_a_state") == "not_a_state"  # a newer hub's value
    finally:
        set_language()
