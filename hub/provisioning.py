"""Provisioning a kit: its key pair and settings, its broker account, and the hub's pinned keys.

Run on the provisioning station beside the hub (`lockwarden provision-kit KIT_ID`). The kit's private key
is written only into the kit's directory (copied onto the kit's SD card); the hub keeps the public half.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from hub.broker.config import BrokerFiles, new_password
from hub.db import open_hub_db
from hub.home import HubHome
from hub.ingest.principals import Principals
from protocol.clock import Clock, SystemClock
from protocol.keys import SealingKey, SigningKey, write_private
from protocol.settings import dump_settings
from protocol.topics import NAME_RE


def provision_kit(home: HubHome, kit_id: str, kit_dir: Path, *, clock: Clock | None = None,
                  hardware: dict[str, object] | None = None) -> Path:
    # The hub never imports edge: the kit's settings file (edge.settings.KitSettings) is written here as
    # plain TOML, and tests/spine load it with the kit's own loader to keep the two in step.
    if not NAME_RE.match(kit_id):
        raise ValueError(f"kit id {kit_id!r} must match {NAME_RE.pattern}")
    clock = clock or SystemClock()
    settings = home.settings()
    kit_dir = Path(kit_dir)
    _key, password = _identity(home, kit_id, "kit", kit_dir / "keys" / "kit_signing.key", clock)
    kit_toml: dict[str, object] = {
        "kit_id": kit_id,
        "hub_id": settings.hub_id,
        "hub_verify_key": home.signing_public(),
        "hub_sealing_key": home.sealing_public(),
        "broker": {"host": settings.broker.host, "port": settings.broker.port, "username": kit_id,
                   "password": password},
    }
    if settings.broker.tls_port:
        from hub.broker.pki import issue

        issue(home.pki, kit_id, kit_dir / "keys")
        (kit_dir / "keys" / "ca.crt").write_bytes((home.pki / "ca.crt").read_bytes())
        kit_toml["broker"] = {"host": settings.broker.host, "port": settings.broker.tls_port, "username": kit_id,
                              "tls_ca": "keys/ca.crt", "tls_cert": f"keys/{kit_id}.crt", "tls_key": f"keys/{kit_id}.key"}
    if hardware:
        kit_toml["hardware"] = hardware
    (kit_dir / "kit.toml").write_text(dump_settings(kit_toml))
    return kit_dir


def _identity(home: HubHome, principal_id: str, role: str, key_path: Path, clock: Clock) -> tuple[SigningKey, str]:
    """The principal's signing key (kept if it exists), its public half registered with the hub, and a
    fresh broker password."""
    if key_path.exists():
        key = SigningKey.from_b64(key_path.read_text())
    else:
        key = SigningKey.generate()
        write_private(key_path, key.to_b64())
    conn = open_hub_db(home.db_path())
    try:
        Principals(conn).register(principal_id, role, key.public_b64(), clock.now_ms())
    finally:
        conn.close()
    password = new_password()
    BrokerFiles(home.broker_dir).set_password(principal_id, password)
    return key, password


def provision_principal(home: HubHome, principal_id: str, role: str, out_dir: Path,
                        *, clock: Clock | None = None) -> tuple[SigningKey, str]:
    """An operator console, a customer app or the police export: a key pair and a broker account."""
    clock = clock or SystemClock()
    key, password = _identity(home, principal_id, role, Path(out_dir) / "keys" / f"{principal_id}.key", clock)
    out = Path(out_dir)
    write_private(out / "keys" / f"{principal_id}.broker_password", password)
    settings = home.settings()
    if role == "operator":
        BrokerFiles(home.broker_dir).add_acl_block(
            principal_id, f"user {principal_id}\ntopic write lw/v1/ops/{principal_id}/req\n"
                          f"topic read lw/v1/ops/{principal_id}/resp\ntopic read lw/v1/ops/events\n"
                          "topic read lw/v1/hub/state\ntopic read lw/v1/kit/+/state")
        (out / "operator.toml").write_text(dump_settings({
            "operator_id": principal_id, "key_file": f"keys/{principal_id}.key",
            "password_file": f"keys/{principal_id}.broker_password", "hub_id": settings.hub_id,
            "hub_verify_key": home.signing_public(), "host": settings.broker.host, "port": settings.broker.port}))
    elif role == "police":
        # The police's own sealing key: the hub re-seals biometrics and ID photos to it for the export.
        seal_path = out / "keys" / "police_sealing.key"
        if not seal_path.exists():
            write_private(seal_path, SealingKey.generate().to_b64())
        public = SealingKey.from_b64(seal_path.read_text()).public_b64()
        home.settings_file.write_text(dump_settings(msgspec.structs.replace(settings, police_sealing_key=public)))
    return key, password


__all__ = ["provision_kit", "provision_principal"]
