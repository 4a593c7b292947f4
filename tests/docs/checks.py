"""Run inside the install test's namespace after the hub's install.md blocks: what must hold on the host."""

from __future__ import annotations

import glob
import json
import os
import pwd
import stat
import sys
import time
import urllib.request
from pathlib import Path

STATE = Path(os.environ["LW_SHIM_STATE"])
HUB = Path("/var/lib/lockwarden/hub")


def unit_user(name: str) -> str:
    for line in Path(f"/etc/systemd/system/{name}.service").read_text().splitlines():
        if line.startswith("User="):
            return line.split("=", 1)[1].strip()
    return "root"


def proc_user(name: str) -> str | None:
    pid_file = STATE / f"{name}.pid"
    if not pid_file.exists():
        return None
    try:
        uid = os.stat(f"/proc/{pid_file.read_text().strip()}").st_uid
    except FileNotFoundError:
        return None
    return pwd.getpwuid(uid).pw_name


def health() -> tuple[int, str]:
    """After the restore block the services were just restarted: wait for the hub as the doc's check does."""
    last: tuple[int, str] = (0, "")
    for _ in range(120):
        try:
            with urllib.request.urlopen("http://127.0.0.1:9464/healthz", timeout=10) as resp:
                return resp.status, resp.read().decode()
        except OSError as exc:
            last = (getattr(exc, "code", 0), str(exc))
            time.sleep(0.5)
    return last


def mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


out = {
    "lockwarden_user": pwd.getpwnam("lockwarden").pw_dir,
    "units": {n: {"unit_user": unit_user(n), "process_user": proc_user(n)}
              for n in ("lockwarden-broker", "lockwarden-hub")},
    "hub_dir": {"owner": pwd.getpwuid(HUB.stat().st_uid).pw_name, "mode": mode(HUB)},
    "key_modes": {p.name: mode(p) for p in sorted((HUB / "keys").glob("*.key"))},
    "hub_toml_mode": mode(HUB / "hub.toml"),
    "health": health(),
    "hub_log": (STATE / "lockwarden-hub.log").read_text()[-6000:],
    "backup": sorted(p.name for p in Path("/var/backups/lockwarden/latest").iterdir()),
    "backup_mode": mode(Path("/var/backups/lockwarden/latest")),
    "replaced": sorted(Path(p).name for p in glob.glob(str(HUB / "replaced-*"))),
    "systemctl_log": (STATE / "systemctl.log").read_text(),
    "lockwarden_bin": os.path.realpath("/usr/local/bin/lockwarden"),
    "kit_tar": Path("/root/kit-017.tar").is_file(),
    "kit_in_passwd": "kit-017:" in (HUB / "broker" / "passwd").read_text(),
}
json.dump(out, sys.stdout, indent=1)
