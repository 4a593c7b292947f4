"""Helpers for spine tests: raw publishers, subprocess services, polling."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

ROOT = Path(__file__).resolve().parents[2]


def raw_client(port: int, username: str, password: str, client_id: str) -> mqtt.Client:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
    c.username_pw_set(username, password)
    c.connect("127.0.0.1", port)
    c.loop_start()
    return c


def publish(c: mqtt.Client, topic: str, payload: bytes) -> None:
    info = c.publish(topic, payload, qos=1)
    info.wait_for_publish(10)


def kit_password(kit_dir: Path) -> str:
    return tomllib.loads((kit_dir / "kit.toml").read_text())["broker"]["password"]


def hub_password(hub_dir: Path) -> str:
    return tomllib.loads((hub_dir / "hub.toml").read_text())["broker"]["password"]


def spawn(module: str, directory: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", module, "--dir", str(directory)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)


def terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def poll(predicate, timeout: float = 60.0, interval: float = 0.01) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def wait_hub_online(port: int, password: str, timeout: float = 30.0, username: str = "probe-watch") -> None:
    """The hub publishes its retained online state after subscribing; once it is visible, what a test
    publishes reaches the hub's subscriptions. `password`: the deployment's probe account's
    (`deployment.probes`), never the hub's: its client id is its username, the hub's session."""
    import threading

    seen = threading.Event()
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=username, clean_session=True)
    c.username_pw_set(username, password)
    c.on_message = lambda cl, u, m: seen.set() if b'"online"' in m.payload else None
    c.connect("127.0.0.1", port)
    c.subscribe("lw/v1/hub/state", qos=1)
    c.loop_start()
    try:
        if not seen.wait(timeout):
            raise TimeoutError("the hub did not come online")
    finally:
        c.loop_stop()
        c.disconnect()
