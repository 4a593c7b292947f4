"""Each console tab at 100x30 in both languages, rendered against the real hub and saved as SVG under
docs/images/console/ (the operators' manual shows them) when LOCKWARDEN_UPDATE_SNAPSHOTS=1, else into the
test's temporary folder, so a test run never changes the checkout. Regenerated files are looked at by a
person before they are committed; what the test asserts is what a person reading them must
never see: a raw enum value, an ULID, a whole ID number, or an untranslated tab title."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import pytest

from lockwarden.console.app import TABS, make_console
from lockwarden.console.orders import OrdersPane
from protocol.i18n import set_language
from tests.console.conftest import ConsoleHub
from tests.console.helpers import until
from tests.console.test_shift import RED_ID, _seed_attention

OUT = Path(__file__).resolve().parents[2] / "docs" / "images" / "console"
ULID = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{26}\b")
RAW = ("awaiting_customer", "awaiting_payment", "order.requested", "retry_at_ms", "documents_ttl_s =", "offer.expire")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_tab_renders_for_a_person(console_hub: ConsoleHub, lang: str, tmp_path: Path) -> None:
    order_id = str(console_hub.call("order.create", {"customer_id": "cust-51",
                                                     "request": console_hub.request(51)})["order_id"])
    # one the operator cancelled: the Dispatch tab names him ("by 周"), never by his id
    cancelled = str(console_hub.call("order.create", {"customer_id": "cust-52",
                                                      "request": console_hub.request(52)})["order_id"])
    console_hub.call("order.cancel", {"order_id": cancelled, "reason": "客户已自行找到钥匙"})
    _seed_attention(console_hub)
    set_language(lang)
    out = OUT if os.environ.get("LOCKWARDEN_UPDATE_SNAPSHOTS") else tmp_path
    out.mkdir(parents=True, exist_ok=True)

    async def scenario() -> None:
        app = make_console(console_hub.client)
        async with app.run_test(size=(100, 30)) as pilot:
            pane = app.query_one(OrdersPane)
            assert await until(pilot, lambda: pane.detail is not None and order_id in pane.numbers)
            for i, name in enumerate(TABS):
                await pilot.press(str(i))
                await pilot.pause(1.0)
                svg = app.export_screenshot(title=f"Lockwarden console: {name}")
                (out / f"{i}-{name}-{lang}.svg").write_text(svg, encoding="utf-8")
                text = re.sub(r"<[^>]+>", "", svg).replace("&#160;", " ")
                assert not ULID.search(text), (name, ULID.findall(text))
                assert RED_ID not in text, name
                assert "op-zhou" not in text, name
                for raw in RAW:
                    assert raw not in text, (name, raw)
                if lang == "zh_CN":
                    assert "订单" in text or "待处理" in text, name
                    assert "新建请求" in text, name  # the footer's keys in the language in use
                else:
                    assert "New request" in text and "新建请求" not in text, name
                if name == "events":
                    assert "周" in text, text  # who cancelled, by name
                if name == "warnings":
                    assert "王建国" in text and "*" * 14 + RED_ID[-4:] in text, text  # by name; masked ID
                    # a reason in the console's language, whatever the hub's language when it scored
                    assert ("2 次投诉或纠纷" if lang == "zh_CN" else "2 complaint(s) or dispute(s)") in text, text

    try:
        asyncio.run(scenario())
    finally:
        set_language()
