"""The pure scoring core: plain feature values in, a level with every contributing reason out.

Features are numbers gathered elsewhere (hub/risk/gather.py); rules and thresholds come from the TOML
config. Nothing here reads a database or a clock, so every score can be recomputed and explained.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hub.risk.config import RiskRules, Rule, Subject
from protocol.i18n import _
from protocol.labels import RISK_REASONS

Level = Literal["red", "yellow", "blue", "none"]

# Reason texts (msgids), one table for the hub, the console and the police: protocol/labels.py.
TEXTS: dict[str, str] = RISK_REASONS


@dataclass(frozen=True)
class Reason:
    code: str
    weight: float
    value: float
    text: str


@dataclass(frozen=True)
class Assessment:
    subject: Subject
    subject_id: str
    level: Level
    score: float
    reasons: tuple[Reason, ...]

    def signature(self) -> tuple[str, tuple[tuple[str, float], ...]]:
        """What must change for a new warning to be forwarded: the level and the set of reasons."""
        return self.level, tuple(sorted((r.code, r.weight) for r in self.reasons))


def _apply(rule: Rule, features: dict[str, float], counts: dict[str, float]) -> float:
    value = features.get(rule.code, 0.0)
    if rule.kind == "flag":
        return rule.weight if value else 0.0
    if rule.kind == "count":
        if value < rule.threshold:
            return 0.0
        added = rule.weight * value
        return min(added, rule.cap) if rule.cap is not None else added
    # "below": the value is a mean over counts[code] observations
    if counts.get(rule.code, 0) >= rule.min_count and value < rule.threshold:
        return rule.weight
    return 0.0


def score(subject: Subject, subject_id: str, features: dict[str, float], rules: RiskRules,
          counts: dict[str, float] | None = None) -> Assessment:
    counts = counts or {}
    reasons = []
    for rule in rules.rules(subject):
        weight = _apply(rule, features, counts)
        if weight > 0:
            value = features.get(rule.code, 0.0)
            shown = int(value) if float(value).is_integer() else value  # "4 addresses", not "4.0"
            text = _(TEXTS.get(rule.code, rule.code)).format(value=shown, threshold=rule.threshold)
            reasons.append(Reason(rule.code, weight, value, text))
    total = sum(r.weight for r in reasons)
    level: Level = ("red" if total >= rules.red else "yellow" if total >= rules.yellow
                    else "blue" if total >= rules.blue else "none")
    return Assessment(subject, subject_id, level, total, tuple(sorted(reasons, key=lambda r: -r.weight)))
