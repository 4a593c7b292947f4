"""Typed settings files: TOML in, a msgspec Struct out, unknown keys refused (a typo is an error, not a
silently ignored option). Each settings class documents its fields in its docstring."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import msgspec

S = TypeVar("S", bound=msgspec.Struct)
T = TypeVar("T")


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


def read_config_file(path: Path, what: str, parse: Callable[[str], T]) -> T:
    """A key or password file named on the command line (`what`: the option), parsed; a missing, unreadable
    or malformed file is a SettingsError naming it, so the CLI says it in one line with exit code 2."""
    try:
        return parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{what} {path}: {exc}") from exc


def dump_settings(value: msgspec.Struct | dict[str, Any]) -> str:
    """TOML for settings structs and plain dicts, nested tables included (no third-party TOML writer)."""
    data = value if isinstance(value, dict) else msgspec.to_builtins(value)
    lines: list[str] = []
    _table(data, [], lines)
    return "\n".join(lines).lstrip("\n") + "\n"


def _table(data: dict[str, Any], path: list[str], lines: list[str]) -> None:
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict) and v is not None}
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    if path and (scalars or not tables):
        lines.append("\n[" + ".".join(_key(p) for p in path) + "]")
    lines.extend(f"{_key(k)} = {_toml(v)}" for k, v in scalars.items())
    for k, v in tables.items():
        _table(v, [*path, k], lines)


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() and k.isascii() else msgspec.json.encode(k).decode()


def _toml(val: object) -> str:
    if isinstance(val, bool):
        return "true" if val else "false"
    if isinstance(val, int | float):
        return repr(val)
    if isinstance(val, list):
        return "[" + ", ".join(_toml(v) for v in val) + "]"
    return msgspec.json.encode(str(val)).decode()
