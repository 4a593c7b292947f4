"""Provisioning a kit: its key pair and settings, its broker account, and the hub's pinned keys.

Run on the provisioning station beside the hub (`lockwarden provision-kit KIT_ID`). The kit's private key
is written only into the kit's directory (copied onto the kit's SD card); the hub keeps the public half.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import msgspec

from hub.broker.config import BrokerFiles
from hub.db import open_hub_db
from hub.home import HubHome
from hub.ingest.principals import Principals
from protocol.clock import Clock, SystemClock
from protocol.keys import SigningKey, write_private
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
    key_path = kit_dir / "keys" / "kit_signing.key"
    if key_path.exists():
        key = SigningKey.from_b64(key_path.read_text())
    else:
        key = SigningKey.generate()
        write_private(key_path, key.to_b64())
    password = secrets.token_urlsafe(24)
    conn = open_hub_db(home.db_path())
    try:
        Principals(conn).register(kit_id, "kit", key.public_b64(), clock.now_ms())
    finally:
        conn.close()
    BrokerFiles(home.broker_dir).set_password(kit_id, password)
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


def provision_principal(home: HubHome, principal_id: str, role: str, out_dir: Path,
                        *, clock: Clock | None = None) -> tuple[SigningKey, str]:
    """An operator console, a customer app or the police export: a key pair and a broker account."""
    clock = clock or SystemClock()
    key_path = Path(out_dir) / "keys" / f"{principal_id}.key"
    if key_path.exists():
        key = SigningKey.from_b64(key_path.read_text())
    else:
        key = SigningKey.generate()
        write_private(key_path, key.to_b64())
    password = secrets.token_urlsafe(24)
    conn = open_hub_db(home.db_path())
    try:
        Principals(conn).register(principal_id, role, key.public_b64(), clock.now_ms())
    finally:
        conn.close()
    files = BrokerFiles(home.broker_dir)
    files.set_password(principal_id, password)
    if role == "operator":
        files.add_acl_block(principal_id, f"user {principal_id}\ntopic write lw/v1/ops/{principal_id}/req\n"
                                          f"topic read lw/v1/ops/{principal_id}/resp\ntopic read lw/v1/ops/events\n"
                                          "topic read lw/v1/hub/state\ntopic read lw/v1/kit/+/state")
    write_private(Path(out_dir) / "keys" / f"{principal_id}.broker_password", password)
    if role == "police":
        # The police's own sealing key: the hub re-seals biometrics and ID photos to it for the export.
        from protocol.keys import SealingKey

        seal_path = Path(out_dir) / "keys" / "police_sealing.key"
        if not seal_path.exists():
            write_private(seal_path, SealingKey.generate().to_b64())
        public = SealingKey.from_b64(seal_path.read_text()).public_b64()
        settings = msgspec.structs.replace(home.settings(), police_sealing_key=public)
        home.settings_file.write_text(dump_settings(settings))
    if role == "operator":
        (Path(out_dir) / "operator.toml").write_text(dump_settings({
            "operator_id": principal_id, "key_file": f"keys/{principal_id}.key",
            "password_file": f"keys/{principal_id}.broker_password", "hub_id": home.settings().hub_id,
            "hub_verify_key": home.signing_public(), "host": home.settings().broker.host,
            "port": home.settings().broker.port}))
    return key, password


__all__ = ["provision_kit", "provision_principal"]
