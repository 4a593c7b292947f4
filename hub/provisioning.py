"""Provisioning a kit or another principal: its key pair and settings, its broker account (password, ACL
block, client certificate for the field listener), and the hub's registered key.

Run on the provisioning station beside the hub (`lockwarden provision-kit KIT_ID`). The kit's private key
is written only into the kit's directory (copied onto the kit's SD card); the hub keeps the public half.
Names are checked first (hub.naming): a reserved name or another role's id is refused before anything is
written. The commands then reload the broker (hub.broker.deploy.reload_broker).
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from hub.broker.config import BrokerFiles, firmware_dir, new_password
from hub.db import open_hub_db
from hub.home import HubHome, write_secret
from hub.ingest.principals import Principals
from hub.naming import check_name
from protocol.bundle import BUNDLE_FILE, BundleListener, ClientBundle
from protocol.clock import Clock, SystemClock
from protocol.keys import SealingKey, SigningKey, write_private
from protocol.settings import dump_settings

# Roles whose broker rights are a block of their own (firmware_config/mosquitto/acl-ROLE.tmpl); kits and
# customer apps are covered by the shipped ACL's %u patterns.
ACL_ROLES = ("operator", "police")


def provision_kit(home: HubHome, kit_id: str, kit_dir: Path, *, clock: Clock | None = None,
                  hardware: dict[str, object] | None = None) -> Path:
    # The hub never imports edge: the kit's settings file (edge.settings.KitSettings) is written here as
    # plain TOML, and tests/spine load it with the kit's own loader to keep the two in step.
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
        _client_certificate(home, kit_id, kit_dir / "keys")
        kit_toml["broker"] = {"host": settings.broker.host, "port": settings.broker.tls_port, "username": kit_id,
                              "tls_ca": "keys/ca.crt", "tls_cert": f"keys/{kit_id}.crt", "tls_key": f"keys/{kit_id}.key"}
    if hardware:
        kit_toml["hardware"] = hardware
    write_secret(kit_dir / "kit.toml", dump_settings(kit_toml))  # it holds the broker password
    return kit_dir


def _client_certificate(home: HubHome, principal_id: str, keys_dir: Path) -> tuple[Path, Path]:
    from hub.broker.pki import issue

    cert, key = issue(home.pki, principal_id, keys_dir)
    (keys_dir / "ca.crt").write_bytes((home.pki / "ca.crt").read_bytes())
    return cert, key


def _identity(home: HubHome, principal_id: str, role: str, key_path: Path, clock: Clock) -> tuple[SigningKey, str]:
    """Check the name, then: the principal's signing key (kept if it exists), its public half registered
    with the hub, a fresh broker password and the role's ACL block."""
    settings = home.settings()
    conn = open_hub_db(home.database())
    try:
        principals = Principals(conn)
        check_name(principal_id, role, hub_names=(settings.hub_id, settings.broker.username),
                   existing_role=principals.role(principal_id))
        if key_path.exists():
            key = SigningKey.from_b64(key_path.read_text())
        else:
            key = SigningKey.generate()
            write_private(key_path, key.to_b64())
        principals.register(principal_id, role, key.public_b64(), clock.now_ms())
    finally:
        conn.close()
    password = new_password()
    files = BrokerFiles(home.broker_dir)
    files.set_password(principal_id, password)
    if role in ACL_ROLES:
        files.add_acl_block(principal_id, (firmware_dir() / f"acl-{role}.tmpl").read_text().format(id=principal_id))
    else:
        files.remove_acl_block(principal_id)  # the deny block of an earlier revocation
    files.render_acl()
    return key, password


def provision_principal(home: HubHome, principal_id: str, role: str, out_dir: Path,
                        *, clock: Clock | None = None) -> tuple[SigningKey, str]:
    """An operator console, a customer app or a police system: a key pair, a broker account and the client
    bundle (protocol.bundle) in `out_dir`."""
    clock = clock or SystemClock()
    key, password = _identity(home, principal_id, role, Path(out_dir) / "keys" / f"{principal_id}.key", clock)
    out = Path(out_dir)
    write_private(out / "keys" / f"{principal_id}.broker_password", password)
    settings = home.settings()
    bundle = _bundle(home, principal_id, role, out)
    if role == "operator":
        remote = bundle.broker
        (out / "operator.toml").write_text(dump_settings({
            "operator_id": principal_id, "key_file": f"keys/{principal_id}.key",
            "password_file": f"keys/{principal_id}.broker_password", "hub_id": settings.hub_id,
            "hub_verify_key": home.signing_public(), "host": remote.host, "port": remote.port,
            "tls_ca": remote.tls_ca, "tls_cert": remote.tls_cert, "tls_key": remote.tls_key}))
    elif role == "police":
        # The police's own sealing key: the hub re-seals biometrics and ID photos to it for the export.
        seal_path = out / "keys" / "police_sealing.key"
        if not seal_path.exists():
            write_private(seal_path, SealingKey.generate().to_b64())
        public = SealingKey.from_b64(seal_path.read_text()).public_b64()
        write_secret(home.settings_file, dump_settings(msgspec.structs.replace(settings, police_sealing_key=public)))
    return key, password


def _bundle(home: HubHome, principal_id: str, role: str, out: Path) -> ClientBundle:
    """Write the client bundle's certificate files, the hub's public key and `client.toml`."""
    settings = home.settings()
    b = settings.broker
    (out / "keys" / "hub_signing.pub").write_text(home.signing_public() + "\n")
    local = BundleListener(host=b.local_host, port=b.port, username=principal_id,
                           password_file=f"keys/{principal_id}.broker_password")
    remote = local
    if b.tls_port:
        _client_certificate(home, principal_id, out / "tls")
        remote = BundleListener(host=b.host, port=b.tls_port, username=principal_id, tls_ca="tls/ca.crt",
                                tls_cert=f"tls/{principal_id}.crt", tls_key=f"tls/{principal_id}.key")
    bundle = ClientBundle(principal_id=principal_id, role=role, key_file=f"keys/{principal_id}.key",
                          hub_id=settings.hub_id, hub_verify_key=home.signing_public(),
                          hub_verify_key_file="keys/hub_signing.pub", broker=remote,
                          local=local if remote is not local else None)
    (out / BUNDLE_FILE).write_text(dump_settings(bundle))
    return bundle


__all__ = ["provision_kit", "provision_principal"]
