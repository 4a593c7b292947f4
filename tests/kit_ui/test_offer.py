"""Home and Offer screens: an offer handed to the OfferInbox pops up with the hub's countdown; Accept puts a
signed job.accept in the outbox."""

from __future__ import annotations

import asyncio
from typing import Any

from lockwarden.kit_ui import make_kit_ui
from lockwarden.kit_ui.offer import OfferScreen
from protocol.envelope import open_envelope
from protocol.messages.job import JobAccept, JobOffer, JobResult
from tests.job.conftest import SITE
from tests.kit_ui.conftest import PIN, UiKit
from tests.kit_ui.helpers import choose_login, keys, text, until

ORDER = "01JGZ0000000000000000000UI"


def _deliver(kit: UiKit, offer: JobOffer) -> None:
    handler: Any = kit.service.offers.downlink_handlers()["job.offer"]
    handler(None, offer)  # as the sync engine does, without the envelope


def _login(kit: UiKit) -> None:
    kit.service.flow.login_pin("ls-0001", PIN)


def _offer(kit: UiKit, offer_id: str = "of-1", seconds: int = 30) -> JobOffer:
    assert kit.clock is not None
    return JobOffer(offer_id=offer_id, order_id=ORDER, expires_at=kit.clock.now_ms() + seconds * 1000,
                    lock_class="B", category="open", site_address="北京市东城区东长安街1号",
                    site_lat=SITE[0], site_lon=SITE[1], eta_s=600)


def test_offer_counts_down_and_accept_records_a_signed_answer(ui_kit_fake_clock: UiKit) -> None:
    asyncio.run(_test_offer_counts_down_and_accept_records_a_signed_answer(ui_kit_fake_clock))


async def _test_offer_counts_down_and_accept_records_a_signed_answer(ui_kit_fake_clock: UiKit) -> None:
    kit = ui_kit_fake_clock
    assert kit.clock is not None
    _login(kit)
    app = make_kit_ui(kit.service)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "Waiting to be sent" in text(app, "#backlog"))
        assert "Offline" in text(app, "#sync")  # the service is not connected in this test
        _deliver(kit, _offer(kit))  # as the sync engine does
        await until(pilot, lambda: isinstance(app.screen, OfferScreen))
        await until(pilot, lambda: text(app, "#countdown") == "30 s left to answer")
        assert "东长安街" in text(app, "#site") and "class B" in text(app, "#lock")
        assert "10 min" in text(app, "#eta")
        kit.clock.advance(12_000)  # the hub's clock is the authority: the kit just shows seconds_left
        await until(pilot, lambda: text(app, "#countdown") == "18 s left to answer")
        await pilot.click("#accept")
        await until(pilot, lambda: "Accepted" in text(app, "#state"))
        assert kit.service.offers.offers["of-1"].state == "accepted"
        answers = [r for r in kit.service.app.store.records_for_order(ORDER) if r.kind == "job.accept"]
        assert len(answers) == 1
        wire = next(w for _s, rid, _t, w in kit.service.app.store.pending_records() if rid == answers[0].id)
        identity = kit.service.app.store.identity
        env, body = open_envelope(wire, lambda sender: identity.key.private.public_key()
                                  if sender == identity.kit_id else None)
        assert env.type == "job.accept" and body == JobAccept(offer_id="of-1")
        # The hub did not take it (e.g. it arrived after the offer closed): said in words, not as its code.
        result: Any = kit.service.offers.downlink_handlers()["job.result"]
        result(None, JobResult(ref=answers[0].id, ok=False, code="offer_not_open", message="offer of-1 is closed"))
        await until(pilot, lambda: "did not take your answer" in text(app, "#state"))
        assert "offer_not_open" not in text(app, "#state") and "of-1" not in text(app, "#state")
        await pilot.click("#back")
        await until(pilot, lambda: not isinstance(app.screen, OfferScreen))


def test_expired_offer_cannot_be_answered(ui_kit_fake_clock: UiKit) -> None:
    asyncio.run(_test_expired_offer_cannot_be_answered(ui_kit_fake_clock))


async def _test_expired_offer_cannot_be_answered(ui_kit_fake_clock: UiKit) -> None:
    kit = ui_kit_fake_clock
    assert kit.clock is not None
    _login(kit)
    app = make_kit_ui(kit.service)
    async with app.run_test(size=(100, 30)) as pilot:
        _deliver(kit, _offer(kit, "of-2", seconds=5))
        await until(pilot, lambda: isinstance(app.screen, OfferScreen))
        kit.clock.advance(6_000)
        await until(pilot, lambda: "expired" in text(app, "#state"))
        assert app.screen.query_one("#accept").disabled
        assert not [r for r in kit.service.app.store.records_for_order(ORDER) if r.kind == "job.accept"]


def test_refuse(ui_kit_fake_clock: UiKit) -> None:
    asyncio.run(_test_refuse(ui_kit_fake_clock))


async def _test_refuse(ui_kit_fake_clock: UiKit) -> None:
    kit = ui_kit_fake_clock
    _login(kit)
    app = make_kit_ui(kit.service)
    async with app.run_test(size=(100, 30)) as pilot:
        _deliver(kit, _offer(kit, "of-3"))
        await until(pilot, lambda: isinstance(app.screen, OfferScreen) and "left" in text(app, "#countdown"))
        await pilot.click("#refuse")
        await until(pilot, lambda: kit.service.offers.offers["of-3"].state == "refused")
        assert [r.kind for r in kit.service.app.store.records_for_order(ORDER)] == ["job.refuse"]


def test_no_offer_shown_or_answered_without_a_login(ui_kit_fake_clock: UiKit) -> None:
    asyncio.run(_no_login(ui_kit_fake_clock))


async def _no_login(kit: UiKit) -> None:
    """Login first, enforced in the service: the offer is kept but not shown, an answer is refused; once a
    locksmith logs in it shows; after the idle time the login lapses and offers are hidden again."""
    import pytest

    from edge.job.steps import StepRefused
    from lockwarden.kit_ui.home import HomeScreen

    assert kit.clock is not None
    app = make_kit_ui(kit.service)
    async with app.run_test(size=(100, 30)) as pilot:
        _deliver(kit, _offer(kit, "of-4", seconds=3000))
        await until(pilot, lambda: "Nobody is logged in" in text(app, "#session"))
        for _ in range(10):
            await pilot.pause(0.05)
        assert isinstance(app.screen, HomeScreen) and kit.service.offers.open_offers() == []
        assert app.screen.query_one("#go-offers").disabled
        with pytest.raises(StepRefused, match="Log in first"):
            kit.service.offers.accept("of-4")
        assert "of-4" in kit.service.offers.offers  # kept, unanswered
        assert not kit.service.app.store.records_for_order(ORDER)

        await choose_login(app, pilot, "pin")  # on Home, before any job: PIN on the keypad
        await keys(app, pilot, PIN)
        await until(pilot, lambda: isinstance(app.screen, OfferScreen) and "left" in text(app, "#countdown"))
        assert kit.service.flow.session().method == "pin"
        await pilot.click("#back")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and not app.screen.busy
                    and not app.screen.query_one("#logout").disabled)

        idle = kit.service.flow.settings.session_idle_s
        kit.clock.advance(int(idle * 1000) + 1000)  # nothing done on the kit for longer than the idle time
        await until(pilot, lambda: "Nobody is logged in" in text(app, "#session"))
        assert kit.service.offers.open_offers() == []
        assert [r.kind for r in kit.service.app.store.records_for_order(ORDER)] == []
        await choose_login(app, pilot, "pin")
        await keys(app, pilot, PIN)
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and text(app, "#session").startswith("Logged in")
                    and not app.screen.query_one("#logout").disabled)
        await pilot.click("#go-offers")  # it popped up once; now it is under Offers (1)
        await until(pilot, lambda: isinstance(app.screen, OfferScreen) and "left" in text(app, "#countdown"))
        await pilot.click("#back")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and not app.screen.query_one("#logout").disabled)
        await pilot.click("#logout")  # logout on Home
        await until(pilot, lambda: kit.service.flow.session() is None)
        assert kit.service.offers.open_offers() == []
