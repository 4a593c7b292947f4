"""The shaped 4G link (bench/shaped_link.py) and a job's evidence uploaded over it (bench/link_upload.py).

The first test is quick and runs in `make test`: the namespaces, the TUN pair, the delay line, an outage
and the counters. The second uploads a minute of 720p15 video, photos and a template through the real kit
service, Mosquitto and hub with 1% loss and a 30 s outage; it takes a few minutes, so it runs only with
LOCKWARDEN_LINK_SLOW=1 (`make test-link`). Both skip, saying why, where namespaces cannot be made."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.shaped_link import LinkShape, ShapedLink, unavailable

WHY = unavailable()
pytestmark = pytest.mark.skipif(WHY is not None, reason=f"shaped link unavailable here: {WHY}")

LISTEN = ("import socket, time\n"
          "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
          "s.bind(('0.0.0.0', 7000)); s.listen(64)\n"
          "while True:\n    s.accept()[0].close()\n")


def _namespaces() -> set[str]:
    return set(subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split())


def test_link_carries_counts_and_goes_dark(tmp_path: Path) -> None:
    with ShapedLink(f"t{os.getpid() % 100000}", LinkShape(loss_pct=0.0)) as link:
        assert {link.kit_ns, link.hub_ns} <= _namespaces()
        link.popen(link.hub_ns, [sys.executable, "-c", LISTEN], log=tmp_path / "listen.log")
        before = link.counters()
        assert link.connect_ms(7000, tries=3) > 0  # reaches the hub's side through the delay line
        sent = link.counters() - before
        # Each connection that succeeded sent a SYN and an ACK, and received a SYN-ACK (the rest of the
        # closing may still be on the line).
        assert sent.tx_packets >= 6 and sent.rx_packets >= 3
        assert sent.tx_bytes >= 40 * sent.tx_packets  # bare IP packets: a TCP/IP header at least
        link.outage(True)
        assert link.connect_ms(7000, tries=1, wait_s=2) == 0  # every packet lost
        link.outage(False)
        assert link.connect_ms(7000, tries=1) > 0
    assert not {link.kit_ns, link.hub_ns} & _namespaces()  # and nothing left behind


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("LOCKWARDEN_LINK_SLOW") != "1", reason="slow: `make test-link`")
def test_job_evidence_arrives_whole_over_a_lossy_link_with_an_outage(tmp_path: Path) -> None:
    from bench.link_upload import run_upload

    log: list[str] = []
    f = run_upload(tmp_path, video_minutes=1.0, outage_s=30.0, log=log)
    print("\n".join(log))
    assert f.intact and f.complete == f.files  # every file at the hub, with the kit's size and SHA-256
    assert f.outage_s >= 30.0 and f.resume_s is not None  # the outage happened mid-upload, and it resumed
    assert f.wire is not None and f.wire.tx_bytes > f.evidence_bytes  # the counters saw it all go up
    assert f.kit_cpu_s > 0
    print(f"wire/evidence {f.wire_per_byte:.3f}, goodput {f.goodput_share:.2f} of the link, resume "
          f"{f.resume_s:.1f} s, kit CPU {f.cpu_share:.1%}")
