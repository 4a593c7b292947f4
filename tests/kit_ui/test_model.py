"""The UI's plain helpers: money entry in yuan to integer fen, the one big button per step."""

from __future__ import annotations

import asyncio

import pytest

from edge.job.steps import Step
from lockwarden.kit_ui import make_kit_ui
from lockwarden.kit_ui.model import fen_text, next_action, yuan_to_fen
from protocol.i18n import set_language
from tests.kit_ui.conftest import UiKit
from tests.kit_ui.helpers import text, until


@pytest.mark.parametrize(("typed", "fen"), [("180", 18000), ("180.5", 18050), ("0.01", 1), ("180.", 18000),
                                            ("0", 0), ("12.30", 1230)])
def test_yuan_to_fen(typed: str, fen: int) -> None:
    assert yuan_to_fen(typed) == fen


@pytest.mark.parametrize("typed", ["", ".", "1.234", "-5", "abc", "NaN", "Infinity"])
def test_bad_amounts_are_refused(typed: str, english: None) -> None:
    with pytest.raises(ValueError, match="Not an amount"):
        yuan_to_fen(typed)


def test_fen_text() -> None:
    assert fen_text(18050) == "¥180.50" and fen_text(7) == "¥0.07"


def test_next_action_follows_the_step_table() -> None:
    assert next_action(Step.ASSIGNED) == "login"  # login first: no step without a locksmith
    assert next_action(Step.LOGGED_IN) == "set_out"
    assert next_action(Step.SET_OUT) == "code"
    assert next_action(Step.ARRIVED) == "verify"
    assert next_action(Step.LOCKSMITH_VERIFIED) == "consent"
    assert next_action(Step.CONSENT_REFUSED) == "consent"
    assert next_action(Step.VIDEO_STOPPED) == "fee"
    assert next_action(Step.COMPLETED) == "form"
    assert next_action(Step.ABORTED) == "seal"
    assert next_action(Step.SEALED) is None
    # Login first: with no live session (none yet, or it lapsed mid-job) the big button is the login.
    assert next_action(Step.VIDEO_RUNNING, logged_in=False) == "login"
    assert next_action(Step.ABORTED, logged_in=False) == "seal"  # sealing needs nobody
    assert next_action(Step.SEALED, logged_in=False) is None


def test_chinese_by_default(ui_kit: UiKit) -> None:
    set_language("zh_CN")  # the `english` fixture restores the language afterwards

    async def scenario() -> None:
        app = make_kit_ui(ui_kit.service)
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: "待上传" in text(app, "#backlog"))
            assert text(app, "#sync").startswith("离线") and text(app, "#session") == "尚无人登录：登录后才能查看派单和作业"

    asyncio.run(scenario())
