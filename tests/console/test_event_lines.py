"""Every operator event the hub can emit reads, on the Dispatch tab, in words: no raw enum value, code,
record kind or id, in either language. The events and their fields are taken from the hub's own
`outbox.event(...)` calls, so a new event or a new field fails here until the console shows it as words
(or leaves it out) and the sample values below say what it may carry."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.job.steps import Step
from lockwarden.console.fmt import event_line
from protocol import labels
from protocol.i18n import set_language
from protocol.jobrecords import RecordKind

ROOT = Path(__file__).resolve().parents[2]
ORDER = "01M996QK0YFY16HGX1GCAZNWZM"
ULID = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{26}\b")
CODES = ["forbidden", "not_verified", "wrong_code_proof", "fingerprint_mismatch", "identity_not_uploaded",
         "bad_record", "idempotency_conflict", "not_frozen"]  # DomainError codes a refusal event carries

# What each field of an event may hold: every value of a closed field, a realistic one of the rest.
SAMPLES: dict[str, list[Any]] = {
    "order_id": [ORDER], "offer_id": ["01M996QK0YFY16HGX1GCAZNWZN"], "customer_id": ["tel-13912345678"],
    "locksmith_id": ["01M996QK0YFY16HGX1GCAZNWZP"], "locksmith": ["王建国"], "actor": ["operator:op-li"],
    "kit_id": ["kit-007"], "reason": ["客户找到了钥匙"], "message": ["请致电顾客"], "retry_at_ms": [1796660626400],
    "eta_s": [600], "rank": [2], "amount_fen": [25_000], "provider": sorted(labels.PAYMENT_PROVIDERS),
    "external_ref": ["4200001234202612080001"], "trade_no": ["LW01M996QK0YFY16HGX1GCAZNWZQ"],
    "sms_id": [42], "purpose": sorted(labels.NOTIFY_PURPOSES), "to": ["139****5678"],
    "answer": ["isv.BUSINESS_LIMIT_CONTROL: too many messages"], "elapsed_ms": [95_000], "handed": [True, False],
    "record_kind": [k.value for k in RecordKind], "code": CODES, "by": sorted(labels.ABORTED_BY),
    "at_step": [s.value for s in Step], "decision_id": ["01M996QK0YFY16HGX1GCAZNWZR"], "case_ref": ["沪公(2026)17号"],
    "state": sorted(labels.ORDER_STATES),
    "holds": [[{"purpose": p, "amount_fen": 5_000, "state": s, "account": "customer:tel-13912345678",
                "name": "张三"} for p in sorted(labels.HOLD_PURPOSES) for s in ("released", "paid")]],
    "status": ["mismatch", "invalid"],
    "detail": [json.dumps({"missing_records": [k.value for k in RecordKind][:3], "missing_files": ["01M996QK0Y"],
                           "mismatched": [{"ref": "r", "kind": "job.opened", "expected": "a", "actual": "b"}],
                           "problems": ["manifest of kit 'kit-008' sent by 'kit-007'"]})],
}


def _calls() -> Iterator[tuple[str, list[str]]]:
    """(kind, field names) of every outbox.event call in the hub; `order.{state}` / `offer.{state}` are
    expanded to every state."""
    for path in sorted((ROOT / "hub").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "event"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "outbox"):
                continue
            kind = node.args[2]
            fields = [k.arg for k in node.keywords if k.arg]
            if isinstance(kind, ast.Constant):
                yield str(kind.value), fields
            else:
                assert isinstance(kind, ast.JoinedStr), f"{path}:{node.lineno}: an event kind the test cannot read"
                head = str(getattr(kind.values[0], "value", ""))
                table = {"order.": labels.ORDER_STATES, "offer.": labels.OFFER_STATES}[head]
                yield from ((head + state, fields) for state in table)


def _bodies() -> list[dict[str, Any]]:
    bodies = []
    for kind, fields in _calls():
        missing = [f for f in fields if f not in SAMPLES]
        assert not missing, f"{kind}: no sample values for {missing}: say here what the field may hold"
        for i in range(max([len(SAMPLES[f]) for f in fields] or [1])):
            body = {"kind": kind, "at_ms": 1796660626400, "seq": 7, **{f: SAMPLES[f][i % len(SAMPLES[f])] for f in fields}}
            if "actor" in fields:  # outbox.event names an operator actor, and a locksmith, as they were then
                body["actor_name"] = "李"
            if "locksmith_id" in fields:
                body.setdefault("locksmith", "王建国")
            bodies.append(body)
    return bodies


def _raw_values() -> set[str]:
    values = {v for table in labels.TABLES.values() for v in table} | {k.value for k in RecordKind}
    return values | {s.value for s in Step} | set(CODES)


def test_every_event_kind_the_hub_emits_is_sampled() -> None:
    kinds = {body["kind"] for body in _bodies()}
    assert {"order.kit_aborted", "kit_record_refused", "notify.failed", "evidence.problem", "order.requested",
            "order.cancelled", "offer.sent", "offer.expired"} <= kinds


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_no_event_line_shows_a_raw_value(language: str) -> None:
    """In Chinese no ASCII enum value may appear at all; in English the ones that cannot be words (with an
    underscore or a dot) may not. In both, no id, no Python value, no unfilled placeholder."""
    raw = _raw_values()
    if language == "en":
        raw = {v for v in raw if re.search(r"[_.]", v)}
    found: dict[str, str] = {}
    try:
        set_language(language)
        for body in _bodies():
            line = event_line(body, {ORDER: 3})
            shown = [v for v in raw if re.search(rf"(?<![\w./:-]){re.escape(v)}(?![\w/:-])", line)]
            bad = shown + ULID.findall(line) + re.findall(r"True|False|None|[{}\[\]]|'\w+':", line)
            bad += [v for v in ("tel-139", "4200001234", "isv.", "op-li") if v in line]
            if bad:
                found.setdefault(body["kind"], f"{bad}: {line}")
    finally:
        set_language()
    assert not found, "\n".join(f"{k}: {v}" for k, v in sorted(found.items()))


def test_aborted_and_refused_kit_steps_read_as_words(english: None) -> None:
    aborted = event_line({"kind": "order.kit_aborted", "order_id": ORDER, "reason": "customer changed mind",
                          "by": "locksmith", "at_step": "customer_photo"}, {ORDER: 3})
    assert "stopped by the locksmith" in aborted and "at step: customer photo" in aborted
    refused = event_line({"kind": "kit_record_refused", "kit_id": "kit-007", "order_id": ORDER,
                          "record_kind": "job.arrived", "code": "wrong_code_proof",
                          "message": "the arrival does not prove the service code"}, {ORDER: 3})
    assert refused.split("  ") == ["kit step refused", "order No. 3", "kit kit-007",
                                       "arrived, service code checked", "the arrival does not prove the service code"]
