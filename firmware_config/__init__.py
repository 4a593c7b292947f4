"""The files Lockwarden ships for the machines it runs on, as package data of this package.

    mosquitto/  the broker's config templates and ACL (rendered per hub by hub.broker.config)
    systemd/    units for the hub, the broker, the kit, the kit UI and the police export
    kit/        the Pi's boot settings, udev rules and hardware.toml examples

They live in the wheel beside the code and are read through `importlib.resources`, so an installed
`lockwarden` needs no source checkout; `lockwarden files` lists them and prints one (install.md copies the
units with it). The folder keeps the top-level name ARCHITECTURE.md gives it.
"""

from __future__ import annotations

from importlib.resources import files as _files
from importlib.resources.abc import Traversable

AREAS = ("mosquitto", "systemd", "kit")


def resource(*parts: str) -> Traversable:
    """A shipped file or folder, e.g. `resource("systemd", "lockwarden-hub.service")`."""
    node = _files(__name__)
    for part in parts:
        node = node / part
    return node


def shipped() -> list[str]:
    """Every shipped file as `area/name`, sorted."""
    out: list[str] = []
    for area in AREAS:
        for entry in resource(area).iterdir():
            if entry.is_file() and not entry.name.startswith(("_", ".")) and not entry.name.endswith(".pyc"):
                out.append(f"{area}/{entry.name}")
    return sorted(out)
