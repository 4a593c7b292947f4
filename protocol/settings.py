"""Typed settings files: TOML in, a msgspec Struct out, unknown keys refused (a typo is an error, not a
silently ignored option). Each settings class documents its fields in its docstring."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TypeVar

import msgspec

S = TypeVar("S", bound=msgspec.Struct)


class SettingsError(Exception):
    pass


def load_settings(path: Path, cls: type[S]) -> S:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path}: {exc}") from exc
    try:
        return msgspec.convert(raw, cls)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"{path}: {exc}") from exc


def dump_settings(value: msgspec.Struct) -> str:
    """TOML for the flat/one-level structs used here (no third-party TOML writer needed)."""
    lines: list[str] = []
    tables: list[tuple[str, dict[str, object]]] = []
    for key, val in msgspec.to_builtins(value).items():
        if isinstance(val, dict):
            tables.append((key, val))
        elif val is not None:
            lines.append(f"{key} = {_toml(val)}")
    for name, table in tables:
        lines.append(f"\n[{name}]")
        lines.extend(f"{k} = {_toml(v)}" for k, v in table.items() if v is not None)
    return "\n".join(lines) + "\n"


def _toml(val: object) -> str:
    if isinstance(val, bool):
        return "true" if val else "false"
    if isinstance(val, int | float):
        return repr(val)
    if isinstance(val, list):
        return "[" + ", ".join(_toml(v) for v in val) + "]"
    return msgspec.json.encode(str(val)).decode()
