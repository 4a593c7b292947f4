"""A kit shared by two locksmiths: a PIN, password or pattern login starts with the locksmith touching their
name, and the password is typed on the on-screen keyboard (the panel has no physical keyboard): Shift gives
one capital, the symbols page the rest. The service checks it and logs in the one chosen."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.job.pin import hash_password
from hub.home import init_hub
from hub.provisioning import provision_kit
from lockwarden.kit_ui import make_kit_ui
from lockwarden.kit_ui.chooser import LocksmithChooser
from lockwarden.kit_ui.home import HomeScreen
from lockwarden.kit_ui.keyboard import LETTERS, SYMBOLS, KeyboardScreen
from protocol.clock import FakeClock
from tests.kit_ui.conftest import UiKit, add_hardware, make_ui_kit
from tests.kit_ui.helpers import text, until

PASSWORD = "Wang#2026"


@pytest.fixture
def shared_kit(tmp_path: Path, english: None) -> Iterator[UiKit]:
    kit_dir = tmp_path / "kit"
    provision_kit(init_hub(tmp_path / "hub"), "kit-0042", kit_dir)
    add_hardware(kit_dir)
    with open(kit_dir / "job.toml", "a", encoding="utf-8") as fh:
        fh.write(f'\n[[locksmiths]]\nlocksmith_id = "ls-0002"\nname = "王强"\nwork_no = "BJ-KS-0002"\n'
                 f'password_hash = "{hash_password(PASSWORD)}"\n')
    yield from make_ui_kit(kit_dir, FakeClock())


async def _press(app: Any, pilot: Any, selector: str) -> None:
    button = app.screen.query_one(selector)
    await until(pilot, lambda: not button.has_class("-active") and not button.disabled, step_s=0.05)
    await pilot.click(selector)


async def _type(app: Any, pilot: Any, typed: str) -> None:
    """Touch the keys: Shift before a capital, the symbols page for a symbol (and back)."""
    for ch in typed:
        page = LETTERS if ch.lower() in "".join(LETTERS) else SYMBOLS
        if (page is SYMBOLS) != app.screen.symbols:
            await _press(app, pilot, "#kb-symbols")
        if ch.isupper():
            await _press(app, pilot, "#kb-shift")
        r, c = next((r, row.index(ch.lower() if page is LETTERS else ch)) for r, row in enumerate(page)
                    if (ch.lower() if page is LETTERS else ch) in row)
        await _press(app, pilot, f"#kb-{r}-{c}")


def test_shared_kit_chooser_then_password_on_the_screen_keyboard(shared_kit: UiKit) -> None:
    asyncio.run(_chooser(shared_kit))


async def _chooser(kit: UiKit) -> None:
    app = make_kit_ui(kit.service)
    async with app.run_test(size=(100, 25)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and text(app, "#session") != "")
        assert not app.screen.query_one("#login-password").disabled  # the second locksmith has one
        await _press(app, pilot, "#login-pin")  # only ls-0001 has a PIN: the only name offered
        await until(pilot, lambda: isinstance(app.screen, LocksmithChooser))
        assert [str(b.label) for b in app.screen.query("VerticalScroll Button")] == ["李建国  BJ-KS-0001"]
        await pilot.click("#who-0")
        await until(pilot, lambda: type(app.screen).__name__ == "KeypadScreen")
        await pilot.click("#key-cancel")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))

        await _press(app, pilot, "#login-password")
        await until(pilot, lambda: isinstance(app.screen, LocksmithChooser))
        assert [str(b.label) for b in app.screen.query("VerticalScroll Button")] == ["王强  BJ-KS-0002"]
        await pilot.click("#who-cancel")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert kit.service.flow.session() is None

    # ls-0001 gets a password too: now the password login has two to choose from.
    kit.service.flow.locksmiths["ls-0001"] = _with_password(kit.service.flow.locksmiths["ls-0001"], "Li-0001!")
    app = make_kit_ui(kit.service)
    async with app.run_test(size=(100, 25)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and text(app, "#session") != "")
        await _press(app, pilot, "#login-password")
        await until(pilot, lambda: isinstance(app.screen, LocksmithChooser))
        assert len(app.screen.query("VerticalScroll Button")) == 2
        await pilot.click("#who-1")  # 王强
        await until(pilot, lambda: isinstance(app.screen, KeyboardScreen))
        await _type(app, pilot, "Wang#2025")  # one digit wrong
        assert text(app, "#kb-display") == "•" * 9
        await _press(app, pilot, "#kb-ok")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and not app.screen.busy)
        assert kit.service.flow.session() is None
        await _press(app, pilot, "#login-password")
        await until(pilot, lambda: isinstance(app.screen, LocksmithChooser))
        await pilot.click("#who-1")
        await until(pilot, lambda: isinstance(app.screen, KeyboardScreen))
        await _type(app, pilot, PASSWORD)
        await _press(app, pilot, "#kb-ok")
        await until(pilot, lambda: kit.service.flow.session() is not None)
        session = kit.service.flow.session()
        assert session.locksmith_id == "ls-0002" and session.method == "password"
        await until(pilot, lambda: "王强" in text(app, "#session"))


def _with_password(profile: Any, password: str) -> Any:
    import msgspec

    return msgspec.structs.replace(profile, password_hash=hash_password(password))
