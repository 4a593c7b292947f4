"""Opening a client bundle (protocol.bundle, written by `lockwarden provision-principal`): the link, the
signing key and the pinned hub key it describes, and a customer app on them."""

from __future__ import annotations

from pathlib import Path

from lockwarden.clients.customer import CustomerApp
from protocol.bundle import BUNDLE_FILE, BundleListener, ClientBundle
from protocol.keys import SigningKey
from protocol.settings import load_settings
from protocol.transport.paho_mqtt import LinkSettings


def load_bundle(folder: Path) -> ClientBundle:
    return load_settings(Path(folder) / BUNDLE_FILE, ClientBundle)


def listener_link(folder: Path, listener: BundleListener) -> LinkSettings:
    base = Path(folder)

    def rel(name: str | None) -> str | None:
        return str(base / name) if name else None

    password = (base / listener.password_file).read_text().strip() if listener.password_file else None
    # The broker makes the username the client id whatever is asked: asking for it keeps the two equal.
    return LinkSettings(host=listener.host, port=listener.port, client_id=listener.username,
                        username=listener.username, password=password, tls_ca=rel(listener.tls_ca),
                        tls_cert=rel(listener.tls_cert), tls_key=rel(listener.tls_key))


def bundle_link(folder: Path, *, local: bool = False) -> tuple[ClientBundle, SigningKey, LinkSettings]:
    """The bundle, its signing key, and the link to its broker listener (`local`: the hub host's loopback
    listener, when the bundle has one)."""
    bundle = load_bundle(folder)
    listener = bundle.local if local and bundle.local is not None else bundle.broker
    key = SigningKey.from_b64((Path(folder) / bundle.key_file).read_text())
    return bundle, key, listener_link(folder, listener)


def open_customer(folder: Path, *, start: bool = True, timeout: float = 10.0) -> CustomerApp:
    """A customer app connected with nothing but its bundle."""
    bundle, key, link = bundle_link(folder)
    if bundle.role != "customer":
        raise ValueError(f"{folder}: the bundle of a {bundle.role}, not of a customer app")
    app = CustomerApp(bundle.principal_id, key, bundle.hub_verify_key, link, hub_id=bundle.hub_id)
    if start:
        app.start(timeout)
    return app
