"""One job's evidence uploaded by the real kit service to the real hub (and Mosquitto) over a shaped link.

The kit store is filled first, in this process, as a job would fill it: `video_minutes` of 1280x720 @15 fps
from the generated pattern, recorded in 5 s segments and adopted by the store, four photos (two of them
sealed, like the customer's and the ID card's) and the customer's fingerprint template read through the
sensor driver from the emulator (sealed). Then Mosquitto and `python -m hub.service` start in the hub's
namespace and `python -m edge.service` in the kit's, and this process watches the hub's database: when
`outage_at` of the evidence is committed the link goes dark for `outage_s`, then comes back.

Figures (`LinkFigures`): IP bytes the kit sent per byte of evidence; goodput (evidence bits per second of
link time: from the kit's first packet to the hub's last commit, the outage left out) as a share of the shaped uplink; seconds from the link's return until the
hub commits evidence again; the kit process's CPU seconds per wall second (/proc/<pid>/stat).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.shaped_link import Counters, LinkShape, ShapedLink, cpu_seconds

ROOT = Path(__file__).resolve().parents[1]
KIT_ID = "kit-link"


@dataclass
class LinkFigures:
    evidence_bytes: int = 0
    files: int = 0
    video_bytes: int = 0
    wire: Counters | None = None
    elapsed_s: float = 0.0  # from the kit's first packet to the hub's last commit
    startup_s: float = 0.0  # from starting the kit process to its first packet
    outage_s: float = 0.0
    resume_s: float | None = None
    kit_cpu_s: float = 0.0
    complete: int = 0
    intact: bool = False
    rtt_ms: float = 0.0
    up_mbit: float = 0.0
    outage_window: tuple[float, float] = (0.0, 0.0)  # since the kit's first packet: dark .. resumed
    # (seconds since the kit's first packet, uplink IP bytes so far, evidence bytes committed so far), about
    # every half second: where the link sat idle (`idle_report`)
    trace: list[tuple[float, int, int]] = field(default_factory=list)

    @property
    def wire_per_byte(self) -> float:
        return self.wire.tx_bytes / self.evidence_bytes if self.wire and self.evidence_bytes else 0.0

    @property
    def goodput_share(self) -> float:
        link_time = self.elapsed_s - self.outage_s
        return self.evidence_bytes * 8 / link_time / (self.up_mbit * 1e6) if link_time > 0 else 0.0

    @property
    def cpu_share(self) -> float:
        return self.kit_cpu_s / self.elapsed_s if self.elapsed_s else 0.0


def fill_kit(kit_dir: Path, *, video_minutes: float, codec: str = "mp4v") -> tuple[int, int, int]:
    """The job's evidence into the kit store. Returns (files, evidence bytes as the kit will send them, video
    bytes)."""
    import cv2

    from edge.app import make_kit
    from edge.hardware.camera import PatternSource, SegmentRecorder
    from edge.hardware.config import FingerprintConfig
    from edge.hardware.factory import make_fingerprint

    kit = make_kit(kit_dir, connect=False)
    order = "order-link-1"
    work = kit.store.dir / "video-work" / order

    def adopt(path: Path, index: int, sha256: str, frames: int, started: int, ended: int) -> None:
        kit.store.add_file(kind="video.segment", content_type="video/mp4", path=path, move=True, order_id=order,
                           meta={"index": index, "frames": frames, "width": 1280, "height": 720})

    source = PatternSource(1280, 720, 15)
    SegmentRecorder(source, work, segment_seconds=5.0, codec=codec, on_segment=adopt,
                    max_frames=round(15 * 60 * video_minutes)).run()
    for kind, sensitive in (("photo.customer", True), ("photo.id_card", True), ("photo.lock_before", False),
                            ("photo.lock_after", False)):
        ok, jpeg = cv2.imencode(".jpg", source.read(), [cv2.IMWRITE_JPEG_QUALITY, 85])
        assert ok
        kit.store.add_file(kind=kind, content_type="image/jpeg", data=jpeg.tobytes(), order_id=order,
                           sensitive=sensitive, meta={"width": 1280, "height": 720})
    sensor = make_fingerprint(FingerprintConfig(backend="emulator"))
    try:
        sensor.emulator.place_finger("customer")
        template = bytes(sensor.capture_template())
    finally:
        sensor.close()
    kit.store.add_file(kind="fingerprint.customer", content_type="application/octet-stream", data=template,
                       order_id=order, sensitive=True)
    pending = kit.store.pending_files(limit=10_000)
    video = sum(p.size for p in pending if p.kind == "video.segment")
    kit.store.close()
    return len(pending), sum(p.size for p in pending), video


def _raise_exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _committed(db: Path) -> tuple[int, int]:
    """(evidence bytes the hub has committed, files complete) for the kit, read-only."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    except sqlite3.OperationalError:
        return 0, 0
    try:
        got = conn.execute("SELECT COALESCE(SUM(c.size), 0) FROM media_chunks c JOIN media_files f "
                           "USING (file_id) WHERE f.sender=?", (KIT_ID,)).fetchone()[0]
        done = conn.execute("SELECT COUNT(*) FROM media_files WHERE sender=? AND status='complete'",
                            (KIT_ID,)).fetchone()[0]
        return int(got), int(done)
    except sqlite3.OperationalError:  # the hub has not created its tables yet
        return 0, 0
    finally:
        conn.close()


def run_upload(work: Path, *, video_minutes: float = 3.0, outage_s: float = 30.0, outage_at: float = 0.4,
               shape: LinkShape | None = None, codec: str = "mp4v", timeout_s: float = 900.0,
               kit_settings: dict[str, int] | None = None, log: list[str] | None = None) -> LinkFigures:
    """The scenario of the module doc in `work` (a fresh folder). Raises TimeoutError when the upload does
    not finish within `timeout_s` of link time."""
    from edge.app import change_kit_settings
    from hub.broker.config import BrokerFiles
    from hub.broker.process import mosquitto_binary
    from hub.home import init_hub
    from hub.provisioning import provision_kit

    shape = shape or LinkShape()
    if threading.current_thread() is threading.main_thread():
        # A SIGTERM'd run still ends its processes and deletes its namespaces (ShapedLink.__exit__).
        signal.signal(signal.SIGTERM, _raise_exit)
    figures = LinkFigures(outage_s=0.0, up_mbit=shape.up_mbit)
    say = log.append if log is not None else (lambda _line: None)
    with ShapedLink(f"{os.getpid() % 10000}", shape) as link:
        home = init_hub(work / "hub", broker_port=1883, broker_host=link.hub_ip)
        kit_dir = provision_kit(home, KIT_ID, work / "kit")
        if kit_settings:
            change_kit_settings(kit_dir, **kit_settings)
        figures.files, figures.evidence_bytes, figures.video_bytes = fill_kit(kit_dir, video_minutes=video_minutes,
                                                                             codec=codec)
        say(f"evidence: {figures.files} files, {figures.evidence_bytes:,} bytes ({figures.video_bytes:,} video)")
        binary = mosquitto_binary()
        if binary is None:
            raise FileNotFoundError("mosquitto is not installed (Debian package `mosquitto`)")
        # Inside the hub's own namespace: the hub connects on loopback, the kit through the link.
        conf = BrokerFiles(home.broker_dir).render(port=1883, bind="0.0.0.0")
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        link.popen(link.hub_ns, [binary, "-c", str(conf)], log=work / "mosquitto.log")
        link.popen(link.hub_ns, [sys.executable, "-m", "hub.service", "--dir", str(home.dir)], log=work / "hub.log",
                   env=env)
        figures.rtt_ms = link.connect_ms(1883)  # and Mosquitto is up
        db = home.db_path()
        time.sleep(0.5)  # the probe's closing handshake is not the kit's
        before = link.counters()
        t0 = time.monotonic()
        kit = link.popen(link.kit_ns, [sys.executable, "-m", "edge.service", "--dir", str(kit_dir)],
                         log=work / "kit.log", env=env)
        first_packet = 0.0  # link time starts with the kit's first packet, not its Python start-up
        outage_done = outage_s <= 0
        restored = 0.0
        at_restore = 0
        deadline = t0 + timeout_s + outage_s
        while True:
            got, done = _committed(db)
            now = time.monotonic()
            if done >= figures.files:
                break
            if now > deadline or kit.poll() is not None:
                raise TimeoutError(f"upload unfinished: {got:,} of {figures.evidence_bytes:,} bytes, {done} of "
                                   f"{figures.files} files (kit exit {kit.poll()}); see {work}/*.log")
            if not first_packet and link.counters().tx_packets > before.tx_packets:
                first_packet = now
            if first_packet and (not figures.trace or now - first_packet - figures.trace[-1][0] >= 0.5):
                figures.trace.append((now - first_packet, _tx_bytes(kit.pid, link.kit_if) - before.tx_bytes, got))
            if not outage_done and not link.down and got >= outage_at * figures.evidence_bytes:
                say(f"outage at {now - t0:.1f} s ({got:,} bytes committed)")
                link.outage(True)
                went_down = now
            elif link.down and now - went_down >= outage_s:
                link.outage(False)
                figures.outage_s = now - went_down
                restored, at_restore = now, got
                outage_done = True
                say(f"link back at {now - t0:.1f} s")
            elif restored and figures.resume_s is None and got > at_restore:
                figures.resume_s = now - restored
                figures.outage_window = (went_down - first_packet, now - first_packet)
            time.sleep(0.05)
        figures.elapsed_s = time.monotonic() - (first_packet or t0)
        if first_packet:
            figures.trace.append((figures.elapsed_s, _tx_bytes(kit.pid, link.kit_if) - before.tx_bytes, got))
        figures.startup_s = (first_packet or t0) - t0
        figures.kit_cpu_s = cpu_seconds(kit.pid)
        figures.wire = link.counters() - before
        if restored and figures.resume_s is None:
            figures.resume_s = time.monotonic() - restored
        figures.complete = done
        figures.intact = _hub_matches_kit(db, kit_dir)
    return figures


def _tx_bytes(pid: int, dev: str) -> int:
    """The kit device's transmitted bytes, from the kit process's own view of its namespace (no subprocess)."""
    try:
        lines = Path(f"/proc/{pid}/net/dev").read_text().splitlines()
    except OSError:
        return 0
    for line in lines:
        name, _, rest = line.partition(":")
        if name.strip() == dev:
            return int(rest.split()[8])
    return 0


def idle_report(f: LinkFigures) -> list[str]:
    """Where the link time went, from `f.trace`: seconds the uplink carried under half the shaped rate, before
    the first commit (start-up), around the outage, and in between; and the rate while busy."""
    cap = f.up_mbit * 1e6 / 8
    start = next((t for t, _, got in f.trace if got > 0), 0.0)
    idle = {"start-up": 0.0, "outage": 0.0, "steady": 0.0}
    busy_s = busy_b = 0.0
    for (t0, b0, _), (t1, b1, _) in zip(f.trace, f.trace[1:], strict=False):
        dt = t1 - t0
        if dt <= 0:
            continue
        rate = (b1 - b0) / dt
        phase = "start-up" if t1 <= start else "outage" if f.outage_window[0] <= t0 < f.outage_window[1] else "steady"
        if rate < 0.5 * cap:
            idle[phase] += dt
        else:
            busy_s += dt
            busy_b += b1 - b0
    rate = f" {busy_b * 8 / busy_s / 1e6:.2f} Mbit/s on the wire while busy" if busy_s else ""
    return [f"uplink under half the shaped rate: {idle['start-up']:.1f} s at start-up, {idle['outage']:.1f} s "
            f"from the outage to the resume (outage included), {idle['steady']:.1f} s otherwise;{rate}"]


def _hub_matches_kit(db: Path, kit_dir: Path) -> bool:
    """Every file the kit sent is complete at the hub with the size and SHA-256 the kit recorded."""
    from edge.app import make_kit

    kit = make_kit(kit_dir, connect=False)
    try:
        sent = {r[0]: (r[1], r[2]) for r in kit.store.conn.execute(
            "SELECT file_id, size, sha256 FROM files")}
    finally:
        kit.store.close()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        got = {r[0]: (r[1], r[2]) for r in conn.execute(
            "SELECT file_id, size, sha256 FROM media_files WHERE sender=? AND status='complete'", (KIT_ID,))}
    finally:
        conn.close()
    return bool(sent) and sent == got
