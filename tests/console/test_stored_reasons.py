"""A reason the hub wrote in its own language (Chinese by default: "请求已受理") reads in the console's
language: English under --lang en, Chinese under the default; an operator's own words stay as typed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lockwarden.console.attention import detail_text
from lockwarden.console.fmt import event_line, hub_text, order_detail
from protocol.i18n import set_language


@pytest.fixture
def lang() -> Iterator[None]:
    yield
    set_language("en")


def test_chinese_hub_reasons_read_in_english(lang: None) -> None:
    set_language("en")
    assert hub_text("请求已受理") == "request accepted"
    assert hub_text("request accepted") == "request accepted"
    assert hub_text("first job by hand") == "first job by hand"
    assert hub_text("客户说门已经开了") == "客户说门已经开了"  # an operator's words, not a catalogued message
    detail = order_detail({"id": "01M996QK0YFY16HGX1GCAZNWZM", "state": "unassigned", "transitions": [
        {"at_ms": 1796660626400, "from_state": "new", "to_state": "dispatching", "actor": "hub",
         "reason": "请求已受理"}]}, 1)
    assert "request accepted" in detail and "请求已受理" not in detail
    line = event_line({"kind": "order.unassigned", "order_id": "o1", "reason": "暂无可接此单的锁匠"}, {"o1": 2})
    assert "no locksmith is available for this request" in line
    assert detail_text({"kind": "order.unassigned", "detail": "暂无可接此单的锁匠"}) == \
        "no locksmith is available for this request"


def test_english_hub_reasons_read_in_chinese(lang: None) -> None:
    set_language("zh_CN")
    assert hub_text("request accepted") == "请求已受理"
    assert hub_text("请求已受理") == "请求已受理"
