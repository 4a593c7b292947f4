"""The kit's CPU and memory while the kiosk runs: the kit service (`lockwarden kit run`), textual-serve with
its one app session (`lockwarden kit-ui --serve`) and headless Chromium at the panel's 800x480, each a
process tree of its own, measured from /proc: CPU as the share of one core over a 10 s window (user +
system time of every process of the tree), memory as PSS (pages shared between the tree's processes
counted once). Twice: idle on Home, and during the video step (the service recording the shipped 1280x720
at 15 fps while the panel shows the Job screen). Baseline: an idle Python process measured the same way.

The fingerprint sensor and the GNSS receiver are the pty emulators served from this process (the service
opens them as serial ports, as on a kit); the camera is the pattern source. The kit is offline (no broker):
a kit on site often is. Needs Debian's chromium and chromium-driver; without them no rows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Row = tuple[str, float, str, float, str]
ROOT = Path(__file__).resolve().parents[1]
SITE = (39.9087, 116.3975)
CODE = "482913"
ORDER = "01JGZ0000000000000000000BK"
LOCKSMITH_FINGER, CUSTOMER_FINGER = "li/right-index", "zhang/right-thumb"
WINDOW_S = 10.0
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


# -- /proc ---------------------------------------------------------------------------------------------
def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def tree(pid: int) -> list[int]:
    kids, out, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def _cpu_ticks(pids: list[int]) -> int:
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended in between
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def _pss_kib(pids: list[int]) -> int:
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def measure(groups: dict[str, int], window_s: float = WINDOW_S) -> dict[str, tuple[float, float]]:
    """name -> (CPU % of one core over the window, PSS MiB at its end), for each root pid's whole tree."""
    before = {name: _cpu_ticks(tree(pid)) for name, pid in groups.items()}
    t0 = time.monotonic()
    time.sleep(window_s)
    wall = time.monotonic() - t0
    out = {}
    for name, pid in groups.items():
        pids = tree(pid)
        cpu = (_cpu_ticks(pids) - before[name]) / TICKS / wall * 100
        out[name] = (cpu, _pss_kib(pids) / 1024)
    return out


# -- the kit -------------------------------------------------------------------------------------------
def _kit_dir(root: Path, fp_port: str, gnss_port: str) -> Path:
    from edge.job.pin import hash_pin
    from hub.home import init_hub
    from hub.provisioning import provision_kit

    kit_dir = root / "kit"
    provision_kit(init_hub(root / "hub"), "kit-bench", kit_dir)
    with open(kit_dir / "kit.toml", "a", encoding="utf-8") as fh:
        fh.write(f'\n[hardware.fingerprint]\nbackend = "serial"\nport = "{fp_port}"\nfinger_wait_polls = 50\n'
                 f'poll_interval_s = 0.05\n\n[hardware.gnss]\nbackend = "serial"\nport = "{gnss_port}"\n'
                 '\n[hardware.camera]\nbackend = "pattern"\nwidth = 1280\nheight = 720\nfps = 15.0\n'
                 'segment_seconds = 5.0\n')
    (kit_dir / "job.toml").write_text(
        '[job]\nstart_requires_upload = false\n\n[[locksmiths]]\nlocksmith_id = "ls-0001"\nname = "李建国"\n'
        f'work_no = "BJ-KS-0001"\nfingerprint_slots = [0]\npin_hash = "{hash_pin("2468")}"\n', encoding="utf-8")
    return kit_dir


def _enroll(emu: Any) -> None:
    import serial

    from edge.hardware.config import FingerprintConfig
    from edge.hardware.fingerprint.driver import EnrollStep, FingerprintSensor

    sensor = FingerprintSensor(serial.Serial(emu.path, 57600, timeout=1),
                               FingerprintConfig(finger_wait_polls=3, poll_interval_s=0.0), sleep=lambda s: None)
    try:
        sensor.enroll(0, lambda step: emu.remove_finger() if step is EnrollStep.REMOVE
                      else emu.place_finger(LOCKSMITH_FINGER))
    finally:
        sensor.close()
    emu.remove_finger()


def _wait(cond: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            raise RuntimeError(f"bench_kiosk: not reached: {what}")
        time.sleep(0.2)


def _to_video(link: Any, emu: Any) -> None:
    """Login, the order, and every step up to the running video, through the service like the panel."""
    from edge.job.idnumber import IdEntry
    from protocol.service_code import hash_code

    flow = link.flow
    flow.login_pin("ls-0001", "2468")
    flow.on_order_assigned({
        "order_id": ORDER, "locksmith_id": "ls-0001", "customer_name": "张三", "customer_mobile": "13800138000",
        "customer_id_number": "110101199003077774", "site_address": "北京市东城区东长安街1号",
        "site_lat": SITE[0], "site_lon": SITE[1], "lock_class": "B", "category": "open",
        "prepayment_fen": 5000, "deposit_fen": 20000, "code_hash": hash_code(CODE, n=2**10)})
    flow.set_out(ORDER)
    flow.arrive(CODE, ORDER)
    emu.place_finger(LOCKSMITH_FINGER)
    flow.verify_locksmith(ORDER)
    flow.record_consent(True, ORDER)
    emu.place_finger(CUSTOMER_FINGER)
    flow.capture_customer(ORDER, id_entry=IdEntry(confirm_order=True))
    emu.remove_finger()
    flow.start_video(ORDER)


def run() -> list[Row]:
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        print("  (no chromium/chromium-driver: apt-get install chromium chromium-driver fonts-noto-cjk)")
        return []
    from edge.hardware.fingerprint.emulator import FingerprintEmulator
    from edge.hardware.gnss.emulator import GnssEmulator
    from edge.kitlink.client import wait_for_service
    from hub.broker.process import free_port
    from lockwarden.kit_ui.home import HomeScreen
    from tests.kit_ui.kiosk import Kiosk, chromium  # the same Chromium setup the kiosk test drives

    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOCKWARDEN_LANG": "zh_CN"}
    procs: list[subprocess.Popen[bytes]] = []
    fp = FingerprintEmulator("r307").start()
    gnss = GnssEmulator(SITE[0] + 0.0003, SITE[1], interval_s=1.0).start()
    driver: Any = None
    link: Any = None
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        try:
            _enroll(fp)
            kit_dir = _kit_dir(root, fp.path, gnss.path)
            baseline = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
            log = open(root / "service.log", "wb")  # noqa: SIM115 - closed with the process below
            service = subprocess.Popen([sys.executable, "-m", "lockwarden.cli", "kit", "run", "--dir", str(kit_dir)],
                                       stdout=log, stderr=log, env=env)
            procs += [baseline, service]
            link = wait_for_service(kit_dir / "kit.sock", timeout_s=120)
            port = free_port()
            serve_log = root / "serve.log"
            with open(serve_log, "wb") as out:
                serve = subprocess.Popen([sys.executable, "-m", "lockwarden.cli", "kit-ui", "--serve", "--dir",
                                          str(kit_dir), "--port", str(port)], stdout=out, stderr=out, env=env)
            procs.append(serve)
            _wait(lambda: b"Serving" in serve_log.read_bytes(), 120, "textual-serve")
            driver = chromium()
            driver.get(f"http://127.0.0.1:{port}/?fontsize=14")
            kiosk = Kiosk(driver, serve_log, link)
            kiosk.wait_started()
            time.sleep(5)  # the first paint and the session's start settle
            if os.environ.get("LOCKWARDEN_BENCH_SHOTS"):
                kiosk.shot(Path(os.environ["LOCKWARDEN_BENCH_SHOTS"]) / "bench-home.png")
            groups = {"kit service": service.pid, "textual-serve + app": serve.pid,
                      "chromium": driver.service.process.pid, "idle python": baseline.pid}
            home = measure(groups)
            _to_video(link, fp)
            kiosk.tap(kiosk.where(HomeScreen, "go-job"))
            time.sleep(3)
            job = measure(groups)
            segments = sum(f.kind == "video.segment" for f in link.app.store.files_for_order(ORDER))
            if segments < 2:  # 13 s of video at 5 s a segment: the step really ran while measured
                raise RuntimeError(f"bench_kiosk: the video did not record ({segments} segments)")
            shots = os.environ.get("LOCKWARDEN_BENCH_SHOTS")
            if shots:  # what the panel showed while measured (docs/kit-ui.md)
                kiosk.shot(Path(shots) / "bench-video-step.png")
            link.flow.abort(ORDER, "the benchmark ends here")  # stops the recorder
        finally:
            if link is not None:
                link.stop()
            if driver is not None:
                driver.quit()
            for p in reversed(procs):
                p.terminate()
                p.wait(timeout=30)
            fp.stop()
            gnss.stop()
    rows: list[Row] = []
    base_cpu, base_mem = home["idle python"]
    for phase, figures in (("Home idle", home), ("video step", job)):
        for name in ("kit service", "textual-serve + app", "chromium"):
            cpu, mem = figures[name]
            rows.append((f"{name} CPU, {phase}", cpu, "% core", figures["idle python"][0], "idle python"))
            rows.append((f"{name} PSS, {phase}", mem, "MiB", base_mem, "idle python"))
        total_cpu = sum(figures[n][0] for n in ("kit service", "textual-serve + app", "chromium"))
        total_mem = sum(figures[n][1] for n in ("kit service", "textual-serve + app", "chromium"))
        rows.append((f"kit total CPU, {phase}", total_cpu, "% core", base_cpu, "idle python"))
        rows.append((f"kit total PSS, {phase}", total_mem, "MiB", base_mem, "idle python"))
    return rows
