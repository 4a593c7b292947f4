from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import protocol.messages  # noqa: F401  (registers message types)
from hub.forwarding.sealer import ChainSealer, wire
from hub.police.writer import ExportWriter
from protocol.clock import FakeClock
from protocol.i18n import language, set_language
from protocol.keys import SigningKey

HOUR = 3_600_000


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Assertions read the English msgids; the default language is zh_CN."""
    before = language()
    set_language("en")
    yield
    set_language(before)


@pytest.fixture
def hub_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sealer(hub_key: SigningKey) -> ChainSealer:
    return ChainSealer(hub_key)


@pytest.fixture
def make_writer(tmp_path: Path, hub_key: SigningKey, clock: FakeClock) -> Callable[..., ExportWriter]:
    def make(root: Path | None = None) -> ExportWriter:
        return ExportWriter(root or tmp_path / "export", hub_key.private.public_key(), clock=clock)

    return make


def order_life(sealer: ChainSealer, clock: FakeClock, order_id: str = "01KDVDNA00E8H72SAR7QA07TDA") -> list[bytes]:
    """An order from request to follow-up, as the hub forwards it (media first, then records)."""
    out: list[bytes] = []

    def rec(kind: str, data: dict, media: list | None = None, entity: str = order_id) -> None:
        clock.advance(HOUR)
        out.append(wire(sealer.record(ts=clock.now_ms(), kind=kind, entity_id=entity, created_ms=clock.now_ms(),
                                      data=data, media=media or [])))

    rec("locksmith.filed", {"locksmith_id": "ls-7", "name": "李师傅", "resident_id_number": "110105194912310029",
                            "mobile": "13800000007", "unit_id": "unit-3"}, entity="ls-7")
    rec("order.requested", {"order_id": order_id, "customer_name": "张三", "customer_id_number": "11010519491231002X",
                            "customer_mobile": "139-0000-0001", "site_address": "北京市东城区东华门街道1号",
                            "area": "东城区", "lock_type": "A", "category": "open"})
    rec("order.formed", {"order_id": order_id, "locksmith_id": "ls-7", "unit_id": "unit-3", "kit_id": "kit-12",
                         "deposit_fen": 20000, "prepayment_fen": 5000})
    for kind, blob in (("photo.lock_before", b"before" * 5000), ("video.opening", b"video" * 200000),
                       ("photo.lock_after", b"after" * 5000)):
        ref, chunks = sealer.media(blob, clock.now_ms(), kind=kind, chunk_size=256 * 1024)
        out.extend(wire(c) for c in chunks)
        rec("evidence.media", {"order_id": order_id, "kit_id": "kit-12", "locksmith_id": "ls-7", "kind": kind},
            media=[ref])
    rec("order.completed", {"order_id": order_id, "locksmith_id": "ls-7", "fee_fen": 15000})
    rec("followup.recorded", {"order_id": order_id, "locksmith_id": "ls-7", "rating": 5, "channel": "sms"})
    clock.advance(HOUR)
    out.append(wire(sealer.checkpoint(clock.now_ms())))
    return out
