"""A shared kit: who logs in (the names), then how (only the methods that locksmith has set up, the others
greyed in place), then the secret, a password typed on the on-screen keyboard."""

from __future__ import annotations

import asyncio
from typing import Any

from lockwarden.kit_ui import make_kit_ui
from lockwarden.kit_ui.home import HomeScreen
from lockwarden.kit_ui.keyboard import KeyboardScreen
from lockwarden.kit_ui.login import LocksmithChooserScreen, LoginMethodScreen
from protocol.envelope import decode, verify
from tests.kit_ui.conftest import PASSWORD, SECOND, UiKit
from tests.kit_ui.helpers import choose_login, tap, text, until


async def type_password(app: Any, pilot: Any, typed: str) -> None:
    """Tap the keys (Caps for capitals), checking the display stays dots, then Enter."""
    await until(pilot, lambda: isinstance(app.screen, KeyboardScreen))
    screen = app.screen
    for n, ch in enumerate(typed):
        if ch.isalpha() and ch.isupper() != screen.caps:
            await tap(app, pilot, "#kb-caps")
        await tap(app, pilot, f"#kb-{ch.lower()}")
        assert text(app, "#kb-display") == "•" * (n + 1)
    await tap(app, pilot, "#kb-show")  # the locksmith checks what they typed
    assert text(app, "#kb-display") == typed
    await pilot.click("#kb-ok")


def test_second_locksmith_logs_in_by_password_on_the_keyboard(shared_kit: UiKit) -> None:
    kit = shared_kit

    async def scenario() -> None:
        app = make_kit_ui(kit.service)
        async with app.run_test(size=(100, 25)) as pilot:
            await until(pilot, lambda: "Nobody is logged in" in text(app, "#session"))
            await pilot.click("#login-other")
            await until(pilot, lambda: isinstance(app.screen, LocksmithChooserScreen))
            names = [str(app.screen.query_one(f"#who-{n}").label) for n in range(2)]
            assert names == ["李建国\nBJ-KS-0001", "王小红\nBJ-KS-0002"]  # job.toml's order, fixed places
            await pilot.click("#who-cancel")  # Cancel on the names: back Home, nobody logged in
            await until(pilot, lambda: isinstance(app.screen, HomeScreen))
            assert kit.service.flow.session() is None

            await choose_login(app, pilot, "password", locksmith=1)
            await type_password(app, pilot, PASSWORD[:-1] + "9")  # one key wrong: refused by the service
            await until(pilot, lambda: isinstance(app.screen, HomeScreen) and not app.screen.busy)
            assert kit.service.flow.session() is None

            await until(pilot, lambda: not app.screen.query_one("#login-other").disabled)
            await pilot.click("#login-other")
            await until(pilot, lambda: isinstance(app.screen, LocksmithChooserScreen))
            await pilot.click("#who-1")
            await until(pilot, lambda: isinstance(app.screen, LoginMethodScreen))
            await pilot.click("#method-password")
            await type_password(app, pilot, PASSWORD)
            await until(pilot, lambda: isinstance(app.screen, HomeScreen) and not app.screen.busy
                        and "王小红" in text(app, "#session"))

    asyncio.run(scenario())
    session = kit.service.flow.session()
    assert (session.locksmith_id, session.method) == (SECOND, "password")
    # The signed record the hub's kit_sessions takes the logged-in locksmith from (hub/registry/kitsession.py).
    store = kit.service.app.store
    bodies = []
    for _seq, _id, _topic, wire in store.pending_records():
        env = decode(wire)
        verify(env, lambda sender: store.identity.key.private.public_key())  # signed by this kit
        bodies.append(env.body)
    logins = [b["data"] for b in bodies if b["kind"] == "session.login"]
    assert [(d["kit_id"], d["locksmith_id"], d["method"]) for d in logins] == \
        [(store.identity.kit_id, SECOND, "password")]


def test_a_locksmith_without_a_pin_sees_pin_greyed(shared_kit: UiKit) -> None:
    kit = shared_kit

    async def scenario() -> None:
        app = make_kit_ui(kit.service)
        async with app.run_test(size=(100, 25)) as pilot:
            await until(pilot, lambda: "Nobody is logged in" in text(app, "#session"))
            await choose_login(app, pilot, "pin", locksmith=1)  # a tap on the greyed PIN does nothing
            for _n in range(5):
                await pilot.pause(0.05)
            screen = app.screen
            assert isinstance(screen, LoginMethodScreen)
            assert [screen.query_one(f"#method-{m}").disabled for m in ("pin", "password", "pattern")] == \
                [True, False, True]
            assert "not set up for you" in text(app, "#method-hint")
            await pilot.click("#method-cancel")
            await pilot.click("#login-other")  # the first locksmith has a PIN and no password
            await until(pilot, lambda: isinstance(app.screen, LocksmithChooserScreen))
            await pilot.click("#who-0")
            await until(pilot, lambda: isinstance(app.screen, LoginMethodScreen))
            assert [app.screen.query_one(f"#method-{m}").disabled for m in ("pin", "password", "pattern")] == \
                [False, True, True]

    asyncio.run(scenario())
    assert kit.service.flow.session() is None


def test_job_screen_pin_fallback_greyed_for_an_order_of_a_locksmith_without_pin(shared_kit: UiKit) -> None:
    """The Job screen's PIN login is for the order's locksmith: the first one has a PIN, this one has not."""
    import msgspec

    from lockwarden.kit_ui.job import JobScreen
    from protocol.messages.job import JobOrder
    from tests.job.conftest import ORDER_ID, order_body

    kit = shared_kit
    body = {k: v for k, v in order_body(locksmith_id=SECOND).items() if k in JobOrder.__struct_fields__}
    kit.service.flow.downlink_handlers()["job.order"](None, msgspec.convert(body, JobOrder))

    async def scenario() -> None:
        app = make_kit_ui(kit.service)
        async with app.run_test(size=(100, 25)) as pilot:
            app.push_screen(JobScreen(ORDER_ID))
            await until(pilot, lambda: isinstance(app.screen, JobScreen) and text(app, "#order") != ""
                        and str(app.screen.query_one("#next").label) == "Log in by fingerprint")
            assert app.screen.query_one("#pin").disabled

    asyncio.run(scenario())


def test_the_keyboard_types_every_password_pin_hash_accepts(capsys: Any, monkeypatch: Any, english: None) -> None:
    """`kit pin-hash --password` takes only what the on-screen keyboard can type, and the keyboard types all
    of it (a password it could not type would lock its locksmith out of the touchscreen)."""
    from edge.job.pin import PASSWORD_ALPHABET, check_password
    from lockwarden.cli import main
    from lockwarden.kit_ui.keyboard import ROWS

    keys = set("".join(ROWS))
    assert keys | {c.upper() for c in keys} == PASSWORD_ALPHABET
    monkeypatch.setenv("LOCKWARDEN_PASSWORD", "Wang 7Key!")
    assert main(["--lang", "en", "kit", "pin-hash", "--password"]) == 3  # refused
    assert "only letters A-Z, a-z and digits" in capsys.readouterr().err
    monkeypatch.setenv("LOCKWARDEN_PASSWORD", PASSWORD)
    assert main(["--lang", "en", "kit", "pin-hash", "--password"]) == 0
    assert check_password(PASSWORD, capsys.readouterr().out.strip())
