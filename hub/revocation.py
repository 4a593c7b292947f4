"""Locking a principal out: `lockwarden revoke-kit KIT_ID` / `revoke-principal ID`.

In this order, so that each step holds even if a later one fails: the key is marked revoked in the hub's
database (the running hub refuses the principal's messages from its next batch on, quarantined `revoked`,
including those it signed before), the broker account and ACL block are removed, and every client
certificate issued to it is listed in the CRL the field listener reads. Its ACL block becomes a `deny` of the
whole tree: Mosquitto checks a certificate only at the handshake, so a kit connected at the moment of
revocation would otherwise keep publishing and receiving until it disconnects. The command then reloads the
broker. Nothing here can be undone except by provisioning the id anew, which issues a new key, password
and certificate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.broker.config import BrokerFiles
from hub.broker.pki import issued_to, revoked_serials, serial_of, write_crl
from hub.db import open_hub_db
from hub.home import HubHome
from hub.ingest.principals import Principals
from hub.naming import NameRefused, role_label
from protocol.i18n import _


@dataclass
class Revoked:
    principal_id: str
    role: str
    key_revoked: bool  # False: it was revoked already
    account_removed: bool
    certificates: list[int] = field(default_factory=list)  # serial numbers newly listed in the CRL


def revoke(home: HubHome, principal_id: str, *, role: str | None = None) -> Revoked:
    """Revoke `principal_id` (which must be a `role` if one is given); NameRefused if there is no such one."""
    settings = home.settings()
    if principal_id in (settings.hub_id, settings.broker.username):
        raise NameRefused(_("{id!r} is the hub itself, not a principal that can be revoked").format(id=principal_id))
    conn = open_hub_db(home.database())
    try:
        principals = Principals(conn)
        found = principals.role(principal_id)
        if found is None:
            raise NameRefused(_("no principal {id!r} was ever provisioned at this hub").format(id=principal_id))
        if role is not None and found != role:
            raise NameRefused(_("{id!r} is a {found}, not a {role}").format(
                id=principal_id, found=role_label(found), role=role_label(role)))
        key_revoked = principals.revoke(principal_id)
    finally:
        conn.close()
    files = BrokerFiles(home.broker_dir)
    removed = files.remove_password(principal_id)
    removed = files.remove_acl_block(principal_id) or removed
    files.deny_block(principal_id)  # a connection still open keeps no rights after the reload
    files.render_acl()
    newly: list[int] = []
    if (home.pki / "ca.key").exists():
        listed = revoked_serials(home.pki)
        for cert_file in issued_to(home.pki, principal_id):
            serial = serial_of(cert_file)
            if serial not in listed:
                newly.append(serial)
        if newly:
            write_crl(home.pki, listed | set(newly))
    return Revoked(principal_id, found, key_revoked, removed, newly)
