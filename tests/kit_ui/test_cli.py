"""`lockwarden kit-ui --dir KIT_DIR` attaches to the kit service running in its own process (`lockwarden kit
run`, as systemd starts it) and runs the app over the kit link. Against a real Mosquitto (the `deployment`
fixture): Home says online, which only the service's sync engine knows."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lockwarden.cli import main
from lockwarden.kit_ui.app import KitUI
from tests.conftest import Deployment
from tests.kit_ui.helpers import text, until


def test_kit_ui_command_attaches_to_the_running_service(deployment: Deployment, english: None,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def run(self: KitUI, *args: Any, **kwargs: Any) -> None:  # instead of taking over the terminal
        async def scenario() -> None:
            async with self.run_test(size=(100, 30)) as pilot:
                await until(pilot, lambda: text(self, "#sync").startswith("Online"), pauses=400)
                seen["sync"] = text(self, "#sync")
                seen["job"] = text(self, "#job")

        asyncio.run(scenario())

    kit_dir = deployment.kits["kit-a"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    service = subprocess.Popen([sys.executable, "-m", "lockwarden.cli", "kit", "run", "--dir", str(kit_dir)], env=env)
    try:
        monkeypatch.setattr(KitUI, "run", run)
        assert main(["--lang", "en", "kit-ui", "--dir", str(kit_dir), "--wait", "120"]) == 0
    finally:
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=60) == 0
    assert seen == {"sync": "Online: connected to the hub",
                    "job": "This kit has no hardware configured: it only stores and forwards"}
    assert not (kit_dir / "kit.sock").exists()  # the service removed its socket on the way out
