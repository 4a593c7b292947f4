"""`lockwarden kit-ui --dir KIT_DIR` builds and starts the kit service in-process, runs the app over it, and
stops the service when the app quits. Against a real Mosquitto (the `deployment` fixture): Home says online."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lockwarden.cli import main
from lockwarden.kit_ui.app import KitUI
from tests.conftest import Deployment
from tests.kit_ui.helpers import text, until


def test_kit_ui_command_runs_the_service_and_the_app(deployment: Deployment, english: None,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def run(self: KitUI, *args: Any, **kwargs: Any) -> None:  # instead of taking over the terminal
        async def scenario() -> None:
            async with self.run_test(size=(100, 30)) as pilot:
                await until(pilot, lambda: text(self, "#sync").startswith("Online"), pauses=400)
                seen["sync"] = text(self, "#sync")
                seen["job"] = text(self, "#job")

        asyncio.run(scenario())

    monkeypatch.setattr(KitUI, "run", run)
    assert main(["--lang", "en", "kit-ui", "--dir", str(deployment.kits["kit-a"])]) == 0
    assert seen == {"sync": "Online: connected to the hub",
                    "job": "This kit has no hardware configured: it only stores and forwards"}
