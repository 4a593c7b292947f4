"""The radio between the kit's and the hub's TUN devices: half a round trip of delay each way, random loss,
and an outage on demand (SIGUSR1 drops everything, SIGUSR2 ends it). What `tc netem` would do, in user
space, because the kernels of this project's CI have no sch_netem (CONFIG_NET_SCH_NETEM is not set); the
rate stays in the kernel (`tbf` on each TUN device, see bench/shaped_link.py).

`python -m bench.delay_line KIT_FD HUB_FD DELAY_MS LOSS_PCT SEED`, with both TUN descriptors inherited.
Packets leave in arrival order: a constant delay keeps a FIFO sorted.
"""

from __future__ import annotations

import os
import random
import select
import signal
import sys
import time
from collections import deque


def main(argv: list[str]) -> int:
    kit_fd, hub_fd = int(argv[0]), int(argv[1])
    delay, loss, rng = float(argv[2]) / 1000, float(argv[3]) / 100, random.Random(int(argv[4]))
    down = [False]
    stop = [False]
    signal.signal(signal.SIGUSR1, lambda *_: down.__setitem__(0, True))
    signal.signal(signal.SIGUSR2, lambda *_: down.__setitem__(0, False))
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    # fd read from -> (queue of (due, packet), fd written to)
    lines = {kit_fd: (deque[tuple[float, bytes]](), hub_fd), hub_fd: (deque[tuple[float, bytes]](), kit_fd)}
    stats = {"up": 0, "down": 0, "lost": 0, "outage": 0}
    while not stop[0]:
        now = time.monotonic()
        for q, out in lines.values():
            while q and q[0][0] <= now:
                packet = q.popleft()[1]
                if down[0]:  # in the air when the cell went: gone too
                    stats["outage"] += 1
                    continue
                try:
                    os.write(out, packet)
                except OSError:  # the far side's device is down or gone: as lost on the air
                    stats["lost"] += 1
        due = min((q[0][0] for q, _ in lines.values() if q), default=now + 0.1)
        try:
            ready, _, _ = select.select(list(lines), [], [], max(0.0, due - time.monotonic()))
        except InterruptedError:
            continue
        now = time.monotonic()
        for fd in ready:
            try:
                packet = os.read(fd, 65536)
            except OSError:
                continue
            stats["up" if fd == kit_fd else "down"] += 1
            if down[0]:
                stats["outage"] += 1
            elif rng.random() < loss:
                stats["lost"] += 1
            else:
                lines[fd][0].append((now + delay, packet))
    print(f"delay line: {stats}", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
