"""Which names a principal may have.

A principal's id is its signed sender, its broker username and (through `use_username_as_clientid`) its MQTT
client id, so a name given to the wrong role would let it speak as another: `provision-kit hub` once
replaced the hub's broker password and issued a certificate with CN=hub. Kits are named `kit-...`; the
names of the hub and of every role are reserved; an id never changes role.
"""

from __future__ import annotations

import re

from protocol.i18n import _
from protocol.topics import NAME_RE

KIT_ID_RE = re.compile(r"^kit-[a-z0-9][a-z0-9-]{0,58}$")

# The hub's own names, the roles and topic words, and accounts of the host the broker runs on.
RESERVED = frozenset({
    "hub", "police", "ops", "kit", "kits", "operator", "operators", "customer", "customers", "broker",
    "mosquitto", "root", "admin", "system", "lw", "sys", "all", "events", "state", "anonymous", "lockwarden",
})
# A reserved name a role may still take: the police export's own account.
ROLE_NAMES = {"police": frozenset({"police"})}


def role_label(role: str) -> str:
    """A role as a person reads it."""
    labels = {"kit": _("kit"), "operator": _("operator console"), "customer": _("customer app"),
              "police": _("police system")}
    return labels.get(role, role)


class NameRefused(ValueError):
    """A principal id that must not be given (one line for the person provisioning)."""


def check_name(principal_id: str, role: str, *, hub_names: tuple[str, ...] = (),
               existing_role: str | None = None) -> None:
    """Refuse `principal_id` for `role` with the reason; `hub_names`: this hub's hub_id and broker username;
    `existing_role`: the role the id is registered with already, if any."""
    if not NAME_RE.match(principal_id):
        raise NameRefused(_("{id!r} is not a valid id: lower-case letters, digits and '-', 2 to 63 characters")
                          .format(id=principal_id))
    if principal_id in hub_names or (principal_id in RESERVED and principal_id not in ROLE_NAMES.get(role, ())):
        raise NameRefused(_("{id!r} is a reserved name and cannot be given to a {role}").format(
            id=principal_id, role=role_label(role)))
    if role == "kit" and not KIT_ID_RE.match(principal_id):
        raise NameRefused(_("a kit id must look like kit-017 (pattern {pattern}); {id!r} does not").format(
            pattern=KIT_ID_RE.pattern, id=principal_id))
    if role != "kit" and KIT_ID_RE.match(principal_id):
        raise NameRefused(_("{id!r} is a kit's name and cannot be given to a {role}").format(
            id=principal_id, role=role_label(role)))
    if existing_role is not None and existing_role != role:
        raise NameRefused(_("{id!r} is already registered as a {existing}; an id never changes role").format(
            id=principal_id, existing=role_label(existing_role)))
