"""`lockwarden kit enroll`: a locksmith's three fingers enrolled on the kit's configured sensor port through the
real adafruit driver, against `lockwarden emulate fingerprint` running as its own process (fingers placed by
typing commands into it, as a person at the emulator's terminal does), then fingerprint login with them."""

from __future__ import annotations

import base64
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from edge.app import make_kit
from edge.enroll import RECORD_KIND, TEMPLATE_KIND
from edge.service import build_kit_service
from edge.store import KitStore
from hub.home import HubHome, init_hub
from hub.provisioning import provision_kit
from lockwarden.cli import main
from protocol.i18n import set_language
from protocol.sealed import open_sealed

FINGERS = {0: "li-jianguo/right-index", 1: "li-jianguo/right-middle", 2: "li-jianguo/left-index"}
STRANGER = "zhao-liu/right-index"


def _env() -> dict[str, str]:
    return {**os.environ, "LOCKWARDEN_LANG": "en"}


def _lines(stream: IO[str]) -> queue.Queue[str]:
    """The stream's lines as they come (a thread reads them, so a test never blocks on a silent process)."""
    q: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            q.put(line.rstrip("\n"))
        q.put("<EOF>")

    threading.Thread(target=pump, daemon=True).start()
    return q


@dataclass
class Bench:
    dir: Path
    hub: HubHome
    emu: subprocess.Popen[str]
    library: Path

    def tell(self, command: str) -> None:
        """Type a command into the running emulator's terminal."""
        assert self.emu.stdin is not None
        self.emu.stdin.write(command + "\n")
        self.emu.stdin.flush()

    def run(self, *args: str) -> int:
        return main(["--lang", "en", "kit", *args, "--dir", str(self.dir)])

    def store(self) -> KitStore:
        return make_kit(self.dir, connect=False).store

    def files(self) -> list[tuple[str, bool, dict[str, object], Path]]:
        store = self.store()
        try:
            return [(p.kind, p.sealed, p.meta, p.path) for p in store.pending_files(limit=1000)]
        finally:
            store.close()

    def records(self) -> list[dict[str, Any]]:
        store = self.store()
        try:
            return [json.loads(wire)["body"] for _s, _id, _t, wire in store.pending_records(limit=1000)]
        finally:
            store.close()


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Bench]:
    library = tmp_path / "fp-flash.json"
    emu = subprocess.Popen([sys.executable, "-m", "lockwarden", "emulate", "fingerprint", "--library", str(library)],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                           env=_env())
    try:
        assert emu.stdout is not None
        port = emu.stdout.readline().strip()
        assert port.startswith("/dev/")
        hub = init_hub(tmp_path / "hub")
        kit_dir = provision_kit(hub, "kit-0001", tmp_path / "kit", hardware={
            "fingerprint": {"backend": "serial", "port": port, "finger_wait_polls": 500, "poll_interval_s": 0.01},
            "gnss": {"backend": "emulator", "emulator_interval_s": 0.1},
            "camera": {"backend": "pattern", "width": 64, "height": 48}})
        (kit_dir / "job.toml").write_text(
            '[job]\nfix_wait_s = 0.5\n\n'
            '[[locksmiths]]\nlocksmith_id = "ls-0001"\nname = "李建国"\nwork_no = "BJ-KS-0001"\n'
            'fingerprint_slots = [0, 1, 2]\n\n'
            '[[locksmiths]]\nlocksmith_id = "ls-0002"\nname = "赵六"\nwork_no = "BJ-KS-0002"\n'
            'fingerprint_slots = [3]\n', encoding="utf-8")
        yield Bench(kit_dir, hub, emu, library)
    finally:
        if emu.stdin is not None:
            emu.stdin.close()
        emu.terminate()
        emu.wait(timeout=10)


def test_enroll_three_fingers_through_a_separate_emulator(bench: Bench) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "lockwarden", "kit", "enroll", "--dir", str(bench.dir),
                             "--locksmith", "ls-0001"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env())
    assert proc.stderr is not None and proc.stdout is not None
    prompts = _lines(proc.stderr)
    seen: list[str] = []
    slot, messy_once = -1, True
    try:
        while True:
            line = prompts.get(timeout=60)
            if line == "<EOF>":
                break
            seen.append(line)
            if line.startswith("Finger "):  # "Finger 2 of 3: right middle finger (slot 1)"
                slot = int(line.rsplit("slot ", 1)[1].rstrip(")"))
            elif line.startswith("Place"):
                # The first placement is smeared: the sensor's "messy" error, then a second attempt.
                bench.tell(f"place {FINGERS[slot]}" + (" messy" if messy_once else ""))
                messy_once = False
            elif line == "Lift the finger":
                bench.tell("remove")
        assert proc.wait(timeout=30) == 0, seen
    finally:
        proc.kill()
    out = proc.stdout.read()
    assert seen[:2] == ["Finger 1 of 3: right index finger (slot 0)", "Place the finger on the sensor"]
    assert ("The fingerprint image is too messy; dry the finger and place it again Try again (attempt 2 of 3)."
            in seen)
    assert "Place the same finger on the sensor again" in seen
    assert out.count(": enrolled") == 3 and "the hub records them as this locksmith's fingerprints" in out

    # In the sensor's library (the emulator's flash file) at slots 0-2, and in the kit store sealed to the hub.
    flash = {int(k): base64.b64decode(v) for k, v in json.loads(bench.library.read_text())["templates"].items()}
    assert sorted(flash) == [0, 1, 2]
    stored = {}
    for kind, sealed, meta, path in bench.files():
        assert kind == TEMPLATE_KIND and sealed and meta["locksmith_id"] == "ls-0001"
        assert isinstance(meta["slot"], int)
        stored[meta["slot"]] = open_sealed(path.read_bytes(), bench.hub.sealing_key().private,
                                           aad=path.stem.encode())
    assert stored == flash
    records = [r for r in bench.records() if r["kind"] == RECORD_KIND]
    assert sorted(r["data"]["finger"] for r in records) == ["left_index", "right_index", "right_middle"]

    # The locksmith logs in with each enrolled finger; another person's finger is refused. `kit job` goes
    # through the kit service, which holds the sensor's port (enrolment runs with the service stopped).
    service = build_kit_service(bench.dir)
    service.start()
    try:
        for name in FINGERS.values():
            bench.tell(f"place {name}")
            assert bench.run("job", "login") == 0
        bench.tell(f"place {STRANGER}")
        assert bench.run("job", "login") == 4  # the sensor finds no match: a device-level refusal
    finally:
        service.stop()

    # Running it again changes nothing: every slot holds its finger and the store has every template.
    bench.tell("remove")
    assert bench.run("enroll", "--locksmith", "ls-0001") == 0
    assert len(bench.files()) == 3


def test_enroll_refuses_what_it_cannot_do_with_clear_messages(bench: Bench,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.run("enroll", "--locksmith", "ls-0009") == 3
    assert "Locksmith ls-0009 is not in this kit's job.toml" in capsys.readouterr().err
    assert bench.run("enroll", "--locksmith", "ls-0002") == 3  # one slot, three fingers
    assert "3 fingers need 3 slots" in capsys.readouterr().err
    assert bench.run("enroll", "--locksmith", "ls-0001", "--fingers", "right_index,nose") == 3
    assert "Unknown finger nose" in capsys.readouterr().err
    assert bench.run("enroll", "--locksmith", "ls-0002", "--fingers", "right_thumb", "--wait", "0.2") == 4
    err = capsys.readouterr().err
    assert "No finger on the sensor" in err and "run the same command again" in err
    try:
        assert main(["--lang", "zh_CN", "kit", "enroll", "--dir", str(bench.dir), "--locksmith", "ls-0009"]) == 3
    finally:
        set_language("en")
    assert "已拒绝：开锁师傅 ls-0009 不在本工具箱的 job.toml 中" in capsys.readouterr().err
