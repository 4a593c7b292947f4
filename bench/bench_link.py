"""A job's evidence over a shaped 4G uplink (`make bench-link`; also part of `make bench`).

The real kit service and the real hub (with Mosquitto) in two network namespaces joined by a veth pair
shaped like a 4G uplink: 5 Mbit/s up, 20 down, 60 ms round trip, 1% loss each way, and a 30 s outage once
40% is through (bench/shaped_link.py, bench/link_upload.py). Each figure beside what the link allows:
bytes on the wire per byte of evidence (goal <= 1.05), goodput beside the shaped rate (goal >= 0.8x), the
seconds until the hub commits evidence again after the link returns, and the kit's CPU share.

LOCKWARDEN_BENCH_LINK_MINUTES sets the minutes of 720p15 video (default 3); LOCKWARDEN_BENCH_CHUNK_KIB /
LOCKWARDEN_BENCH_CHUNK_WINDOW set the kit's chunk size and window to compare settings;
LOCKWARDEN_BENCH_LINK_CC the kit's TCP congestion control (e.g. cubic, Raspberry Pi OS's default);
LOCKWARDEN_BENCH_HUB_RTO_MAX_MS the hub side's net.ipv4.tcp_rto_max_ms (default 2000; empty: the kernel's);
LOCKWARDEN_BENCH_LINK_TIMESTAMPS the kit's net.ipv4.tcp_timestamps (default 0, as docs/install.md sets the kit;
1 to compare; empty: the kernel's);
LOCKWARDEN_BENCH_LINK_TRACE a file for the trace (seconds, uplink bytes, evidence bytes committed). Skipped (one line
saying why) where network namespaces cannot be made.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.link_upload import idle_report, run_upload
from bench.shaped_link import LinkShape, unavailable

Row = tuple[str, float, str, float, str]
MINUTES = float(os.environ.get("LOCKWARDEN_BENCH_LINK_MINUTES", "3"))


def _kit_settings() -> dict[str, int]:
    out = {}
    for env_name, option in (("LOCKWARDEN_BENCH_CHUNK_KIB", "chunk_kib"),
                             ("LOCKWARDEN_BENCH_CHUNK_WINDOW", "chunk_window")):
        if os.environ.get(env_name):
            out[option] = int(os.environ[env_name])
    return out


def run() -> list[Row]:
    why = unavailable()
    if why is not None:
        print(f"  skipped: {why}", flush=True)
        return []
    hub_rto = os.environ.get("LOCKWARDEN_BENCH_HUB_RTO_MAX_MS", "2000")
    stamps = os.environ.get("LOCKWARDEN_BENCH_LINK_TIMESTAMPS", "0")  # the kit's setting, docs/install.md
    shape = LinkShape(congestion=os.environ.get("LOCKWARDEN_BENCH_LINK_CC") or None,
                      hub_rto_max_ms=int(hub_rto) if hub_rto else None,
                      kit_tcp_timestamps=None if stamps == "" else stamps == "1")
    log: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        f = run_upload(Path(tmp), video_minutes=MINUTES, shape=shape, kit_settings=_kit_settings(), log=log)
    for line in [*log, *idle_report(f)]:
        print(f"  {line}", flush=True)
    if os.environ.get("LOCKWARDEN_BENCH_LINK_TRACE"):
        Path(os.environ["LOCKWARDEN_BENCH_LINK_TRACE"]).write_text(
            "".join(f"{t:.2f} {b} {got}\n" for t, b, got in f.trace))
    assert f.wire is not None
    cc = subprocess.run(["sysctl", "-n", "net.ipv4.tcp_congestion_control"], capture_output=True, text=True).stdout
    print(f"  link: kit TCP {shape.congestion or cc.strip() + ' (default)'}, hub tcp_rto_max_ms "
          f"{shape.hub_rto_max_ms or 'default'}; {shape.up_mbit} Mbit/s up, {shape.down_mbit} down, {f.rtt_ms:.0f} ms TCP connect, {shape.loss_pct}% loss; "
          f"{f.elapsed_s:.1f} s from the kit's first packet (its start-up {f.startup_s:.1f} s before) for {f.evidence_bytes / 1e6:.1f} MB in {f.files} files, hub copy intact: {f.intact}; "
          f"downlink {f.wire.rx_bytes / 1e3:,.0f} kB; uplink {f.wire.tx_bytes:,} IP bytes = {f.wire_per_byte:.4f} B/B", flush=True)
    good = f.evidence_bytes * 8 / (f.elapsed_s - f.outage_s) / 1e6
    return [
        ("shaped link: IP bytes up per evidence byte", f.wire_per_byte, "B/B", 1.0, "evidence bytes; goal <= 1.05"),
        ("shaped link: goodput, outage excluded", good, "Mbit/s", shape.up_mbit,
         "shaped uplink rate; goal >= 0.8x"),
        (f"shaped link: resume after {f.outage_s:.0f} s outage", f.resume_s or 0.0, "s", f.rtt_ms / 1000,
         "one round trip"),
        ("shaped link: kit CPU share uploading", f.cpu_share * 100, "% of one core", 0.0, "n/a"),
    ]


if __name__ == "__main__":
    from bench.__main__ import main

    sys.exit(main(["link"]))
