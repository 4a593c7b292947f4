"""The client bundle: everything a principal outside the hub (a customer-app vendor, a police system, a
remote operator console) needs to connect and be believed, written by `lockwarden provision-principal` into
one folder, described by its `client.toml`.

    client.toml                 this file's settings (ClientBundle)
    keys/ID.key                 the principal's Ed25519 signing key (0600): its messages' signatures
    keys/ID.broker_password     the broker password (0600), for the hub host's loopback listener
    keys/hub_signing.pub        the hub's public key: accept only what it signed
    tls/ca.crt, tls/ID.crt, tls/ID.key   the broker's CA and the principal's client certificate and key,
                                for the field listener (TLS, client certificate required), when the hub has one

Paths in client.toml are relative to the folder. docs/broker.md, "Connecting with a bundle", walks through it.
"""

from __future__ import annotations

import msgspec


class BundleListener(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One way into the broker. host, port: where to dial. username: the broker account, which the broker
    also makes the MQTT client id (one connection per account). tls_ca, tls_cert, tls_key: the CA to trust
    and the client certificate and key (the field listener), or None. password_file: the broker password
    (the loopback listener), or None."""

    host: str
    port: int
    username: str
    tls_ca: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    password_file: str | None = None


class ClientBundle(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """principal_id: the signed sender of every message and the broker username. role: customer, operator
    or police. key_file: the Ed25519 signing key. hub_id: the sender name of the hub's messages;
    hub_verify_key (and hub_verify_key_file): the hub's public key. broker: the listener to use from
    anywhere (the TLS field listener when the hub has one). local: the loopback password listener, usable
    on the hub's own host only, or None."""

    principal_id: str
    role: str
    key_file: str
    hub_id: str
    hub_verify_key: str
    hub_verify_key_file: str
    broker: BundleListener
    local: BundleListener | None = None


BUNDLE_FILE = "client.toml"
