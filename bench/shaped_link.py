"""A kit and a hub on either side of a shaped link: two network namespaces joined by a pair of TUN devices.

Each namespace has one TUN device (`kit_ip` peer `hub_ip`, point to point); a small process in between
(bench/delay_line.py) carries packets from one to the other after half the round trip, dropping
`loss_pct` of them each way, and drops everything during an outage: packets vanish without an error, as
when a 4G modem loses the cell (an interface taken down would instead fail sends at once, which no radio
does). The rate is the kernel's `tbf` on each device's egress (uplink on the kit's, downlink on the hub's),
with `queue_ms` of buffer. The delay and loss are in user space because the kernels this runs on here
have no sch_netem (CONFIG_NET_SCH_NETEM is not set); with netem the same shape is `tc qdisc add dev X
parent 1:1 netem delay 30ms loss 1%` under the tbf.

Bytes on the wire are the kernel's counters of the kit's device (`/sys/class/net/<if>/statistics`, read
inside its namespace): a TUN device carries bare IP packets, which is what a cellular link carries and
bills. Everything here needs CAP_NET_ADMIN; `unavailable()` says why it cannot run when it cannot.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000


@dataclass(frozen=True)
class LinkShape:
    """A 4G uplink as a kit sees it in a city: a few Mbit/s up, more down, tens of ms, some loss."""

    up_mbit: float = 5.0
    down_mbit: float = 20.0
    rtt_ms: float = 60.0
    loss_pct: float = 1.0
    queue_ms: float = 200.0  # how much the modem buffers before dropping (4G uplinks buffer a lot)
    congestion: str | None = None  # the kit's TCP congestion control (None: the kernel's default)
    # The hub host's net.ipv4.tcp_rto_max_ms (Linux >= 6.15; docs/install.md): Mosquitto's answers to the
    # kit wait out TCP's doubled retransmission timeout after an outage too. None: the kernel's 120 s.
    hub_rto_max_ms: int | None = 2000
    # The kit's net.ipv4.tcp_timestamps (None: the kernel's, on): 12 bytes of every segment's header.
    kit_tcp_timestamps: bool | None = None


@dataclass(frozen=True)
class Counters:
    """A TUN device's counters: bytes are IP bytes (no link-layer header)."""

    tx_bytes: int
    tx_packets: int
    rx_bytes: int
    rx_packets: int

    def __sub__(self, other: Counters) -> Counters:
        return Counters(self.tx_bytes - other.tx_bytes, self.tx_packets - other.tx_packets,
                        self.rx_bytes - other.rx_bytes, self.rx_packets - other.rx_packets)


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=20)


def unavailable() -> str | None:
    """Why the link cannot be made here (not root, no CAP_NET_ADMIN, no TUN, no `ip`/`tc`), or None."""
    for tool in ("ip", "tc"):
        if shutil.which(tool) is None:
            return f"`{tool}` (iproute2) is not installed"
    if not os.access("/dev/net/tun", os.R_OK | os.W_OK):
        return "/dev/net/tun is missing or not writable (needs root and the tun driver)"
    probe = f"lwprobe{os.getpid()}"
    made = _ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"cannot create a network namespace (needs root / CAP_NET_ADMIN): {made.stderr.strip()}"
    _ip("netns", "del", probe, check=False)
    return None


def _tun(name: str) -> int:
    fd = os.open("/dev/net/tun", os.O_RDWR)
    try:
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    except OSError:
        os.close(fd)
        raise
    return fd


class ShapedLink:
    """Two namespaces, `kit_ns` and `hub_ns`, with `kit_ip` and `hub_ip` joined by the shaped link.

    Use as a context manager: processes started with `popen` are ended, then the delay line, then the
    namespaces deleted (and with them the devices and their qdiscs), whatever happened."""

    def __init__(self, tag: str, shape: LinkShape | None = None, *, seed: int = 14) -> None:
        self.tag = tag
        self.shape = shape or LinkShape()
        self.seed = seed
        self.kit_ns, self.hub_ns = f"lwkit-{tag}", f"lwhub-{tag}"
        self.kit_if, self.hub_if = f"lwk{tag}"[:15], f"lwh{tag}"[:15]
        net = 10 + os.getpid() % 200
        # Addresses inside namespaces this process made: nothing outside them is ever reached.
        self.kit_ip, self.hub_ip = f"10.214.{net}.2", f"10.214.{net}.1"
        self.procs: list[subprocess.Popen[bytes]] = []
        self.line: subprocess.Popen[bytes] | None = None
        self.down = False

    def __enter__(self) -> ShapedLink:
        try:
            self._setup()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _setup(self) -> None:
        s = self.shape
        fds = []
        try:
            for ns, dev, addr, peer, mbit in ((self.kit_ns, self.kit_if, self.kit_ip, self.hub_ip, s.up_mbit),
                                              (self.hub_ns, self.hub_if, self.hub_ip, self.kit_ip, s.down_mbit)):
                _ip("netns", "add", ns)
                _ip("-n", ns, "link", "set", "lo", "up")
                # IPv4 only: no router solicitations or DAD probes in the counters.
                subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                                "net.ipv6.conf.default.disable_ipv6=1"], capture_output=True, timeout=20)
                fds.append(_tun(dev))
                # The descriptor stays attached to the device when the device moves to the namespace.
                _ip("link", "set", dev, "netns", ns)
                _ip("-n", ns, "addr", "add", addr, "peer", peer, "dev", dev)
                _ip("-n", ns, "link", "set", dev, "up")
                self.tc(ns, "qdisc", "add", "dev", dev, "root", "handle", "1:", "tbf", "rate", f"{mbit}mbit",
                        "burst", "16kb", "latency", f"{s.queue_ms}ms")
            if s.hub_rto_max_ms is not None:  # where the kernel has it; older ones keep their backoff
                # With retransmissions that frequent, the default 15 retries (tcp_retries2) give up on a
                # connection ~30 s into an outage; 30 keep it for about two keepalives, as the kit does.
                subprocess.run(["ip", "netns", "exec", self.hub_ns, "sysctl", "-qw",
                                f"net.ipv4.tcp_rto_max_ms={s.hub_rto_max_ms}", "net.ipv4.tcp_retries2=30"],
                               capture_output=True, timeout=20)
            if s.kit_tcp_timestamps is not None:
                subprocess.run(["ip", "netns", "exec", self.kit_ns, "sysctl", "-qw",
                                f"net.ipv4.tcp_timestamps={int(s.kit_tcp_timestamps)}"], check=True,
                               capture_output=True, timeout=20)
            if s.congestion:
                subprocess.run(["ip", "netns", "exec", self.kit_ns, "sysctl", "-qw",
                                f"net.ipv4.tcp_congestion_control={s.congestion}"], check=True, capture_output=True,
                               timeout=20)
            self.line = subprocess.Popen(
                [sys.executable, "-m", "bench.delay_line", str(fds[0]), str(fds[1]), str(s.rtt_ms / 2),
                 str(s.loss_pct), str(self.seed)], pass_fds=fds, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        finally:
            for fd in fds:
                os.close(fd)

    def tc(self, ns: str, *args: str) -> None:
        subprocess.run(["ip", "netns", "exec", ns, "tc", *args], check=True, capture_output=True, timeout=20)

    def outage(self, down: bool) -> None:
        """Every packet lost both ways (down=True), or the shaped link back."""
        assert self.line is not None
        self.line.send_signal(signal.SIGUSR1 if down else signal.SIGUSR2)
        self.down = down

    def counters(self) -> Counters:
        """The kit's device: tx is the uplink, rx the downlink."""
        names = ("tx_bytes", "tx_packets", "rx_bytes", "rx_packets")
        out = subprocess.run(["ip", "netns", "exec", self.kit_ns, "cat",
                              *(f"/sys/class/net/{self.kit_if}/statistics/{n}" for n in names)],
                             capture_output=True, text=True, check=True, timeout=20).stdout.split()
        return Counters(*(int(v) for v in out))

    def connect_ms(self, port: int, *, tries: int = 5, wait_s: float = 30.0) -> float:
        """Median time of a TCP connect from the kit to hub_ip:port (one round trip: SYN, SYN-ACK), once
        something listens there (waits up to `wait_s`); 0 when nothing answered."""
        probe = (
            "import socket, statistics, sys, time\n"
            f"addr, tries, end = ('{self.hub_ip}', {port}), {tries}, time.monotonic() + {wait_s}\n"
            "times = []\n"
            "while len(times) < tries and time.monotonic() < end:\n"
            "    t = time.perf_counter()\n"
            "    try:\n"
            "        socket.create_connection(addr, timeout=3).close()\n"
            "    except OSError:\n"
            "        time.sleep(0.2)\n"
            "        continue\n"
            "    times.append((time.perf_counter() - t) * 1000)\n"
            "print(statistics.median(times) if times else 0.0)\n")
        out = subprocess.run(["ip", "netns", "exec", self.kit_ns, sys.executable, "-c", probe], capture_output=True,
                             text=True, timeout=wait_s + 30)
        return float(out.stdout.strip() or 0.0)

    def popen(self, ns: str, argv: list[str], *, log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """A process inside `ns` (`ip netns exec` execs it: the pid is the program's own)."""
        with open(log, "ab") as fh:
            proc = subprocess.Popen(["ip", "netns", "exec", ns, *argv], stdout=fh, stderr=fh, env=env)
        self.procs.append(proc)
        return proc

    def close(self) -> None:
        for proc in [*reversed(self.procs), *([self.line] if self.line else [])]:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
        self.procs.clear()
        self.line = None
        for ns in (self.kit_ns, self.hub_ns):
            _ip("netns", "del", ns, check=False)


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process from /proc/<pid>/stat (0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
