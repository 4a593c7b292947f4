"""Loading the risk rules and thresholds (TOML shipped in the package, replaceable by a file)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

DEFAULT_RULES: Traversable = files("hub.risk") / "rules.toml"  # package data
Subject = Literal["customer", "locksmith"]


@dataclass(frozen=True)
class Rule:
    code: str
    kind: Literal["flag", "count", "below"]
    weight: float
    threshold: float = 1
    cap: float | None = None
    min_count: int = 0
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RiskRules:
    red: float
    yellow: float
    blue: float
    customer: tuple[Rule, ...]
    locksmith: tuple[Rule, ...]

    def rules(self, subject: Subject) -> tuple[Rule, ...]:
        return self.customer if subject == "customer" else self.locksmith

    def param(self, subject: Subject, code: str, name: str, default: Any) -> Any:
        for r in self.rules(subject):
            if r.code == code:
                return r.params.get(name, default)
        return default


_KNOWN = {"kind", "weight", "threshold", "cap", "min_count"}


def _rules(table: dict[str, Any]) -> tuple[Rule, ...]:
    out = []
    for code, spec in table.items():
        if spec["kind"] not in ("flag", "count", "below"):
            raise ValueError(f"risk rule {code}: unknown kind {spec['kind']!r}")
        out.append(Rule(code=code, kind=spec["kind"], weight=float(spec["weight"]),
                        threshold=float(spec.get("threshold", 1)),
                        cap=float(spec["cap"]) if "cap" in spec else None, min_count=int(spec.get("min_count", 0)),
                        params={k: v for k, v in spec.items() if k not in _KNOWN}))
    return tuple(out)


def load_rules(path: Path | None = None) -> RiskRules:
    data = tomllib.loads((path or DEFAULT_RULES).read_text(encoding="utf-8"))
    levels = data["levels"]
    return RiskRules(red=float(levels["red"]), yellow=float(levels["yellow"]), blue=float(levels["blue"]),
                     customer=_rules(data.get("customer", {})), locksmith=_rules(data.get("locksmith", {})))
