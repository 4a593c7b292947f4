"""The spine's figures, each beside a raw baseline measured here in the same run:

- durable kit captures/s vs raw SQLite commits/s (WAL, synchronous=FULL, one row per transaction);
- small records/s end to end (kit store -> Mosquitto -> hub store -> ack back) vs raw paho QoS 1
  publishes acknowledged per second on the same broker;
- seconds to drain a 10,000-record backlog after the broker comes back (baseline: raw paho QoS 1
  publishing of 10,000 messages of the same size);
- CPU share of the kit process recording 1280x720 @15 fps from the generated pattern (5 s segments, each
  handed to the kit store) while it syncs them and a 100 MB backlog, vs the same recording without sync.

The 100 MB file end to end, the bytes on the wire and the kit's RSS during it: bench/bench_media.py.

"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from bench.rawmqtt import counting_subscriber, raw_accounts
from edge.app import make_kit
from hub.broker.config import BrokerFiles
from hub.broker.process import MosquittoProcess, free_port
from hub.home import init_hub
from hub.provisioning import provision_kit
from hub.service import make_hub, wait_until

Row = tuple[str, float, str, float, str]
ROOT = Path(__file__).resolve().parents[1]
FILE_MB = int(os.environ.get("LOCKWARDEN_BENCH_FILE_MB", "100"))
CPU_SECONDS = int(os.environ.get("LOCKWARDEN_BENCH_CPU_SECONDS", "10"))


def _raw_sqlite(path: Path, n: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
    body = os.urandom(400)
    t = time.perf_counter()
    for _ in range(n):
        conn.execute("BEGIN")
        conn.execute("INSERT INTO t(body) VALUES (?)", (body,))
        conn.execute("COMMIT")
    rate = n / (time.perf_counter() - t)
    conn.close()
    return rate


def _raw_paho(port: int, password: str, n: int, size: int) -> float:
    """Publishes acknowledged per second (QoS 1), publisher and a subscriber on the same broker."""
    sub, got = counting_subscriber(port, password, "lw/v1/bench/raw", n)
    pub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-pub", clean_session=True)
    pub.username_pw_set("bench-pub", password)
    pub.max_inflight_messages_set(200)
    pub.connect("127.0.0.1", port)
    pub.loop_start()
    time.sleep(0.3)
    payload = os.urandom(size)
    t = time.perf_counter()
    infos = [pub.publish("lw/v1/bench/raw", payload, qos=1) for _ in range(n)]
    for info in infos:
        info.wait_for_publish(60)
    got.wait(120)
    elapsed = time.perf_counter() - t
    for c in (pub, sub):
        c.loop_stop()
        c.disconnect()
    return elapsed


def run() -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        port = free_port()
        home = init_hub(root / "hub", broker_port=port)
        kit_dir = provision_kit(home, "kit-bench", root / "kit")
        broker = MosquittoProcess(BrokerFiles(home.broker_dir), port)
        password = raw_accounts(broker.files, "lw/v1/bench/raw")
        broker.start()
        try:
            # 1. durable captures vs raw commits
            n = 3000
            raw = _raw_sqlite(root / "raw.db", n)
            kit = make_kit(kit_dir, connect=False)
            t = time.perf_counter()
            for i in range(n):
                kit.store.add_record("gnss.position", {"i": i, "lat": 39.9087, "lon": 116.3975})
            cap = n / (time.perf_counter() - t)
            kit.store.close()
            rows.append(("durable kit captures", cap, "rec/s", raw, "raw SQLite FULL commits/s"))

            # 2 + 4. drain of the backlog just captured: records/s end to end and seconds for 10k
            kit = make_kit(kit_dir, connect=False)
            for i in range(10_000 - n):
                kit.store.add_record("gnss.position", {"i": i, "lat": 39.9087, "lon": 116.3975})
            kit.store.close()
            hub = make_hub(home.dir)
            hub.start()
            wait_until(lambda: hub.transport is not None and hub.transport.connected, 10)
            env = dict(os.environ, PYTHONPATH=str(ROOT))
            # The kit in its own process, as on its own Raspberry Pi: kit and hub in one interpreter would
            # share one GIL, which no deployment does.
            out = subprocess.run([sys.executable, "-m", "bench.bench_spine", "kit-drain", str(kit_dir)],
                                 env=env, capture_output=True, text=True, check=True, timeout=600)
            drain = float(out.stdout.strip().splitlines()[-1])
            raw_10k = _raw_paho(port, password, 10_000, 400)
            rows.append(("records end to end (kit->hub->ack)", 10_000 / drain, "rec/s", 10_000 / raw_10k,
                         "raw paho QoS1 pub+PUBACK/s"))
            rows.append(("drain 10,000-record backlog", drain, "s", raw_10k, "raw paho 10,000 QoS1 publishes"))

            # (the 100 MB file end to end and the kit's RSS meanwhile: bench/bench_media.py)
            blob = root / "big.bin"
            with open(blob, "wb") as fh:
                for _ in range(FILE_MB):
                    fh.write(os.urandom(1024 * 1024))

            # 6. CPU share of a kit recording video while it syncs, vs the same recording alone
            cpu_sync = _kit_cpu(kit_dir, root / "video-sync", env, sync=True, backlog=blob)
            cpu_alone = _kit_cpu(kit_dir, root / "video-alone", env, sync=False, backlog=None)
            hub.stop()
            rows.append(("kit CPU share recording 1280x720@15 + syncing", cpu_sync * 100, "% of one core",
                         cpu_alone * 100, "same recording, no sync"))
        finally:
            broker.stop()
    return rows


def _kit_cpu(kit_dir: Path, video_dir: Path, env: dict[str, str], *, sync: bool, backlog: Path | None) -> float:
    """Run `kit_cpu_main` in its own process; returns its CPU seconds per wall second while recording."""
    if backlog is not None:
        kit = make_kit(kit_dir, connect=False)
        kit.store.add_file(kind="video.segment", content_type="video/mp4", path=backlog)
        for i in range(2000):
            kit.store.add_record("gnss.position", {"i": i, "lat": 39.9087, "lon": 116.3975})
        kit.store.close()
    out = subprocess.run([sys.executable, "-m", "bench.bench_spine", "kit-cpu", str(kit_dir), str(video_dir),
                          str(CPU_SECONDS), "sync" if sync else "alone"],
                         env=env, capture_output=True, text=True, check=True, timeout=300)
    return float(out.stdout.strip().splitlines()[-1])


def kit_cpu_main(kit_dir: Path, video_dir: Path, seconds: int, sync: bool) -> float:
    """The kit side of row 6: record from the generated pattern at 1280x720 @15 fps for `seconds`, every
    finished segment adopted by the kit store; with `sync`, the kit syncs meanwhile."""
    from edge.hardware.camera import PatternSource, SegmentRecorder

    kit = make_kit(kit_dir, connect=sync)
    if sync:
        kit.start()

    def adopt(path: Path, index: int, sha256: str, frames: int, started: int, ended: int) -> None:
        kit.store.add_file(kind="video.segment", content_type="video/mp4", path=path, move=True,
                           meta={"index": index, "frames": frames})

    source = PatternSource(1280, 720, 15, realtime=True)
    rec = SegmentRecorder(source, video_dir, segment_seconds=5.0, codec="mp4v", on_segment=adopt,
                          max_frames=15 * seconds)
    t0, c0 = time.perf_counter(), time.process_time()
    rec.run()
    share = (time.process_time() - c0) / (time.perf_counter() - t0)
    if sync:
        wait_until(lambda: kit.store.backlog() == (0, 0), 120)
        kit.stop()
    else:
        kit.store.close()
    return share


def kit_drain_main(kit_dir: Path) -> float:
    """The kit side of rows 2 and 4: seconds from connecting until the hub acknowledged the whole backlog."""
    kit = make_kit(kit_dir)
    t = time.perf_counter()
    kit.start()
    wait_until(lambda: kit.store.backlog() == (0, 0), 300, 0.005)
    drain = time.perf_counter() - t
    kit.stop()
    return drain


if __name__ == "__main__" and sys.argv[1:2] == ["kit-cpu"]:
    print(kit_cpu_main(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "sync"))
if __name__ == "__main__" and sys.argv[1:2] == ["kit-drain"]:
    print(kit_drain_main(Path(sys.argv[2])))
