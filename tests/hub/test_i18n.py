"""Every text the hub domain shows a person has a Simplified Chinese translation in hub.po."""

from __future__ import annotations

from pathlib import Path

from protocol.messages.ops import HUB_DOMAIN_OPS
from tests import catalogue
from tests.catalogue import zh_catalogue

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["hub/registry", "hub/orders", "hub/ledger", "hub/dispatch", "hub/timers", "hub/ops",
           "lockwarden/commands/ops.py"]


def msgids() -> set[str]:
    return {summary for _body, summary in HUB_DOMAIN_OPS.values()} | catalogue.msgids(*SOURCES)


def test_every_hub_msgid_is_translated() -> None:
    catalog = zh_catalogue()
    missing = sorted(msgids() - set(catalog))
    assert not missing, missing
