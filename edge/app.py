"""`make_kit`: the one factory that builds the kit service for the CLI, the demo and the tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from edge.identity import KitIdentity
from edge.settings import KitSettings
from edge.store import KitStore
from edge.sync import SyncEngine, SyncSettings
from protocol.clock import Clock, SystemClock
from protocol.keys import SigningKey, load_sealing_public, load_verify_key
from protocol.settings import dump_settings, load_settings
from protocol.transport.paho_mqtt import LinkSettings, PahoTransport


@dataclass
class KitApp:
    dir: Path
    settings: KitSettings
    store: KitStore
    sync: SyncEngine
    transport: PahoTransport | None = None

    def start(self) -> None:
        self.sync.start()

    def stop(self) -> None:
        self.sync.stop()
        self.store.close()


def load_kit_settings(kit_dir: Path) -> KitSettings:
    return load_settings(Path(kit_dir) / "kit.toml", KitSettings)


def change_kit_settings(kit_dir: Path, **changes: Any) -> KitSettings:
    """Rewrite kit.toml with some fields changed (validated like any settings file)."""
    settings = msgspec.convert(msgspec.structs.asdict(load_kit_settings(kit_dir)) | changes, KitSettings)
    (Path(kit_dir) / "kit.toml").write_text(dump_settings(settings))
    return settings


def make_kit(kit_dir: Path, *, clock: Clock | None = None, connect: bool = True,
             broker_port: int | None = None) -> KitApp:
    kit_dir = Path(kit_dir)
    s = load_kit_settings(kit_dir)
    clock = clock or SystemClock()
    identity = KitIdentity(
        kit_id=s.kit_id,
        key=SigningKey.from_b64((kit_dir / s.key_file).read_text()),
        hub_verify=load_verify_key(s.hub_verify_key),
        hub_sealing=load_sealing_public(s.hub_sealing_key),
        hub_id=s.hub_id,
    )
    store = KitStore(kit_dir / s.data_dir, identity, clock, disk_floor_bytes=s.disk_floor_mb * 1024 * 1024,
                     disk_reserve_bytes=s.disk_reserve_mb * 1024 * 1024, chunk_size=s.chunk_kib * 1024)
    sync = SyncEngine(store, SyncSettings(record_window=s.record_window, chunk_window=s.chunk_window,
                                     heartbeat_s=s.heartbeat_s))
    app = KitApp(kit_dir, s, store, sync)
    if connect:
        b = s.broker
        def rel(p: str | None) -> str | None:
            return str(kit_dir / p) if p else None

        link = LinkSettings(host=b.host, port=broker_port or b.port, client_id=s.kit_id, username=b.username or s.kit_id,
                            password=b.password or None, tls_ca=rel(b.tls_ca), tls_cert=rel(b.tls_cert),
                            tls_key=rel(b.tls_key), keepalive=b.keepalive_s, rto_max_ms=b.tcp_rto_max_ms)
        app.transport = PahoTransport(link, on_message=sync.on_message, on_connect=sync.on_connect,
                                      on_disconnect=sync.on_disconnect, will_factory=sync.will)
        sync.attach(app.transport)
    return app
