"""One kit process: the kit service holds the kit directory (a second service refuses, exit 2) and the UI
attaches to it over the kit link, walking a whole job while the broker sees exactly one session of the kit."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.kitlink.client import KitLinkClient, KitLinkError
from edge.kitlink.wire import Reply, frame_decoder
from edge.kitlock import KitBusy
from tests.conftest import Deployment
from tests.kit_ui.conftest import UiKit, add_hardware, make_ui_kit
from tests.kit_ui.test_job import _whole_job

KIT = "kit-0042"


@pytest.fixture
def running_kit(deployment: Deployment, english: None) -> Iterator[UiKit]:
    kit_dir = add_hardware(deployment.add_kit(KIT))
    for kit in make_ui_kit(kit_dir, None, broker_port=deployment.port):
        kit.service.start()
        yield kit


def _broker_log(deployment: Deployment) -> str:
    return (deployment.home.broker_dir / "mosquitto.log").read_text(errors="replace")


def _sessions(deployment: Deployment) -> tuple[int, int]:
    """(connections of the kit, takeovers of its client id) as the broker logged them."""
    log = _broker_log(deployment)
    return (len(re.findall(rf"New client connected from \S+ as {KIT} ", log)),
            log.count(f"Client {KIT} already connected"))


def test_a_second_kit_service_on_the_directory_refuses(running_kit: UiKit) -> None:
    with pytest.raises(KitBusy):  # in-process: the lock is per directory, not per process
        from edge.kitlock import KitLock

        KitLock(running_kit.dir).acquire()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    second = subprocess.run([sys.executable, "-m", "lockwarden.cli", "--lang", "en", "kit", "run", "--dir",
                             str(running_kit.dir)], capture_output=True, text=True, timeout=120, env=env)
    assert second.returncode == 2, second.stderr
    assert f"Another kit service (process {os.getpid()}) already runs on {running_kit.dir}" in second.stderr
    assert "Traceback" not in second.stderr


def test_ui_attached_to_the_service_walks_a_job_on_one_mqtt_session(running_kit: UiKit,
                                                                     deployment: Deployment) -> None:
    kit = running_kit
    assert (kit.dir / "kit.sock").is_socket()
    link = KitLinkClient(kit.service.link_path)
    link.start()
    try:
        asyncio.run(_walk(kit, link))
        connected, takeovers = _sessions(deployment)
        assert (connected, takeovers) == (1, 0), _broker_log(deployment)[-2000:]
        assert link.events_seen > 10  # the screens were told of each step, not only polling
    finally:
        link.stop()


async def _walk(kit: UiKit, link: KitLinkClient) -> None:
    await _whole_job(kit, link)


def test_link_answers_bad_frames_and_unknown_calls_and_keeps_serving(running_kit: UiKit) -> None:
    link = KitLinkClient(running_kit.service.link_path)
    with pytest.raises(KitLinkError):
        link.call("flow.job", 42)  # the order id is a string: refused before anything runs
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(running_kit.service.link_path))
        f = s.makefile("rwb")
        for bad in (b"{nonsense\n", b'{"type":"call","id":1,"method":"os.system","args":["ls"]}\n',
                    b'{"type":"call","id":2,"method":"flow.job","args":[],"extra":1}\n'):
            f.write(bad)
            f.flush()
            reply = frame_decoder.decode(f.readline())
            assert isinstance(reply, Reply) and reply.error_kind == "bad_call"
    assert len(running_kit.service.link.bad_frames) == 2  # kept for inspection (the unknown call is answered)
    assert link.call("sync.status")["kit_id"] == KIT


def test_kit_ui_without_a_service_says_so(tmp_path: Path, deployment: Deployment) -> None:
    kit_dir = deployment.add_kit("kit-lonely")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    run = subprocess.run([sys.executable, "-m", "lockwarden.cli", "--lang", "en", "kit-ui", "--dir", str(kit_dir),
                          "--wait", "0"], capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 2
    assert "The kit service is not running on" in run.stderr and "Traceback" not in run.stderr


