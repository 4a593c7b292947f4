"""The spine's figures, each beside a raw baseline measured here in the same run:

- durable kit captures/s vs raw SQLite commits/s (WAL, synchronous=FULL, one row per transaction);
- small records/s end to end (kit store -> Mosquitto -> hub store -> ack back) vs raw paho QoS 1
  publishes acknowledged per second on the same broker;
- MB/s for a 100 MB file end to end vs raw QoS 1 publishing of the same bytes in the same chunk size;
- seconds to drain a 10,000-record backlog after the broker comes back (baseline: raw paho QoS 1
  publishing of 10,000 messages of the same size);
- peak RSS of the kit process during a 100 MB upload vs a bare Python process with the same imports.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from edge.app import make_kit
from hub.broker.config import BrokerFiles
from hub.broker.process import MosquittoProcess, free_port
from hub.home import init_hub
from hub.provisioning import provision_kit
from hub.service import make_hub, wait_until

Row = tuple[str, float, str, float, str]
ROOT = Path(__file__).resolve().parents[1]
FILE_MB = int(os.environ.get("LOCKWARDEN_BENCH_FILE_MB", "100"))


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
    got = threading.Event()
    count = [0]

    def on_message(c, u, m):  # type: ignore[no-untyped-def]
        count[0] += 1
        if count[0] >= n:
            got.set()

    sub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-sub", clean_session=True)
    sub.username_pw_set("hub", password)
    sub.on_message = on_message
    sub.connect("127.0.0.1", port)
    sub.subscribe("lw/v1/bench/raw", qos=1)
    sub.loop_start()
    pub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-pub", clean_session=True)
    pub.username_pw_set("hub", password)
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
        broker.start()
        password = home.settings().broker.password
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
            kit = make_kit(kit_dir)
            t = time.perf_counter()
            kit.start()
            wait_until(lambda: kit.store.backlog() == (0, 0), 300, 0.005)
            drain = time.perf_counter() - t
            kit.stop()
            raw_10k = _raw_paho(port, password, 10_000, 400)
            rows.append(("records end to end (kit->hub->ack)", 10_000 / drain, "rec/s", 10_000 / raw_10k,
                         "raw paho QoS1 pub+PUBACK/s"))
            rows.append(("drain 10,000-record backlog", drain, "s", raw_10k, "raw paho 10,000 QoS1 publishes"))

            # 3 + 5. a 100 MB file through a kit *process* (so its RSS can be read) vs raw chunks
            kit = make_kit(kit_dir, connect=False)
            blob = root / "big.bin"
            with open(blob, "wb") as fh:
                for _ in range(FILE_MB):
                    fh.write(os.urandom(1024 * 1024))
            kit.store.add_file(kind="video.segment", content_type="video/mp4", path=blob)
            kit.store.close()
            env = dict(os.environ, PYTHONPATH=str(ROOT))
            t = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-m", "edge.service", "--dir", str(kit_dir)], env=env)
            done = threading.Event()
            peak = [0]

            def watch() -> None:
                while not done.is_set():
                    peak[0] = max(peak[0], _hwm(proc.pid))
                    time.sleep(0.05)

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            wait_until(lambda: hub.conn.execute(
                "SELECT COUNT(*) FROM media_files WHERE status='complete' AND size=?",
                (FILE_MB * 1024 * 1024,)).fetchone()[0] == 1, 600, 0.01)
            e2e = time.perf_counter() - t
            peak[0] = max(peak[0], _hwm(proc.pid))
            done.set()
            proc.terminate()
            proc.wait(10)
            hub.stop()
            raw_file = _raw_paho(port, password, FILE_MB * 4, 256 * 1024)
            rows.append((f"{FILE_MB} MB file end to end", FILE_MB / e2e, "MB/s", FILE_MB / raw_file,
                         "raw QoS1 256 KiB chunks MB/s"))
            bare = subprocess.run(
                [sys.executable, "-c", "import edge.app, resource, sys; "
                 "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"],
                env=env, capture_output=True, text=True, check=True)
            rows.append((f"kit peak RSS during {FILE_MB} MB upload", peak[0] / 1024, "MB",
                         int(bare.stdout.strip()) / 1024, "bare Python with the kit's imports"))
        finally:
            broker.stop()
    return rows


def _hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0
