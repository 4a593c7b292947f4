"""Seeded fault runs: every part in its own OS process, killed and frozen at random points while kits
produce, then counted.

Processes: Mosquitto with the project's config, the hub (`lockwarden hub run`), the police export
(`lockwarden police-export`) and kits (tests/faults/chaos_kit.py: the real kit store and sync engine,
producing signed records and files). Beside them a registrar thread writes police-feed rows into the hub's
database, as `lockwarden ops --db` does on the hub host, so the export has a stream to receive.

During the fault window, at seeded random times, one process is SIGKILLed (and restarted after a random
pause) or SIGSTOPped (and continued). Afterwards everything is continued and restarted, production stops,
the backlog drains, and the run counts:
- at the hub: every record and file each kit's store holds must be stored once, intact (signature, wire
  hash, the record's own token check; a file's bytes against its SHA-256); tokens stored twice are
  duplicates;
- in the export: every police-feed row exactly once, in order; `lockwarden police-verify` must pass.
Recovery time after each restart: from the restart to that part's first progress (the hub's first
committed batch, the export's first write, the kit's first acknowledged record; after a broker restart,
the hub's first batch).

    python -m tests.faults.chaos --seeds 20            # `make chaos SEEDS=20`
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
KITS = ("kit-a", "kit-b")


def _now_ms() -> int:
    return int(time.time() * 1000)


def _ro(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=30)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class Proc:
    """One child process: start, SIGKILL, SIGSTOP/SIGCONT, SIGTERM."""

    def __init__(self, name: str, argv: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.argv = argv
        self.log = log
        self.env = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
        self.popen: subprocess.Popen[bytes] | None = None
        self.frozen = False

    @property
    def up(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def start(self) -> None:
        with open(self.log, "ab") as fh:
            fh.write(f"\n=== start {time.strftime('%H:%M:%S')} ===\n".encode())
            fh.flush()
            self.popen = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=fh, stderr=subprocess.STDOUT)
        self.frozen = False

    def signal(self, sig: int) -> None:
        if self.up:
            assert self.popen is not None
            self.popen.send_signal(sig)

    def kill(self) -> None:
        if self.popen is not None:
            self.signal(signal.SIGKILL)
            self.popen.wait(30)
        self.frozen = False

    def freeze(self) -> None:
        self.signal(signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        self.signal(signal.SIGCONT)
        self.frozen = False

    def terminate(self, timeout: float = 30.0) -> None:
        if self.popen is None:
            return
        if self.frozen:
            self.thaw()
        if self.up:
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


class BrokerProc(Proc):
    """Mosquitto through the project's own process wrapper (its config, ACLs, persistence)."""

    def __init__(self, broker: Any, log: Path) -> None:
        super().__init__("broker", [], log)
        self.broker = broker

    @property
    def up(self) -> bool:
        return self.broker.proc is not None and self.broker.proc.poll() is None

    @property  # type: ignore[override]
    def popen(self) -> subprocess.Popen[bytes] | None:
        return self.broker.proc  # type: ignore[no-any-return]

    @popen.setter
    def popen(self, value: Any) -> None:
        pass

    def start(self) -> None:
        self.broker.start()
        self.frozen = False

    def terminate(self, timeout: float = 30.0) -> None:
        if self.frozen:
            self.thaw()
        self.broker.stop()


@dataclass
class Fault:
    at_s: float
    victim: str
    action: str  # kill | stop
    pause_s: float


@dataclass
class SeedResult:
    seed: int
    faults: list[Fault] = field(default_factory=list)
    records: int = 0
    files: int = 0
    police: int = 0
    lost: int = 0
    duplicated: int = 0
    corrupt: int = 0
    refused: int = 0
    verify_ok: bool = False
    drained: bool = False
    recoveries: list[tuple[str, float]] = field(default_factory=list)
    unrecovered: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return (self.lost == 0 and self.duplicated == 0 and self.corrupt == 0 and self.refused == 0
                and self.verify_ok and self.drained and not self.unrecovered)


def plan(seed: int, duration_s: float, victims: list[str]) -> list[Fault]:
    """The seed's faults: about one every 1.2 s, each a kill or a freeze of one process."""
    rng = random.Random(seed)
    faults = []
    t = rng.uniform(0.5, 1.5)
    while t < duration_s:
        faults.append(Fault(round(t, 3), rng.choice(victims), rng.choice(("kill", "stop")),
                            round(rng.uniform(0.1, 2.0), 3)))
        t += rng.uniform(0.4, 2.0)
    return faults


class Registrar(threading.Thread):
    """Police-feed rows written into the hub's database from outside the hub process, as the ops CLI
    does on the hub host; each counted once committed."""

    def __init__(self, db: Path, every_s: float = 0.15) -> None:
        super().__init__(name="chaos-registrar", daemon=True)
        self.db = db
        self.every_s = every_s
        self.stop = threading.Event()
        self.emitted = 0

    def run(self) -> None:
        from hub import police_feed

        conn = sqlite3.connect(str(self.db), isolation_level=None, timeout=60)
        conn.execute("PRAGMA busy_timeout=60000")
        i = 0
        while not self.stop.wait(self.every_s):
            try:
                conn.execute("BEGIN IMMEDIATE")
                police_feed.emit(conn, "order.step", {"id": f"O{i % 7}", "i": i}, now_ms=_now_ms())
                conn.execute("COMMIT")
                self.emitted += 1
                i += 1
            except sqlite3.Error:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
        conn.close()


class Run:
    def __init__(self, seed: int, root: Path, duration_s: float = 8.0, drain_s: float = 180.0,
                 say: Any = None) -> None:
        self.seed = seed
        self.root = Path(root)
        self.duration_s = duration_s
        self.drain_s = drain_s
        self.say = say or (lambda *_: None)
        self.result = SeedResult(seed)

    # -- setup ------------------------------------------------------------------------------------------
    def setup(self) -> None:
        from hub.broker.config import BrokerFiles
        from hub.broker.process import MosquittoProcess, free_port
        from hub.home import init_hub
        from hub.provisioning import provision_kit, provision_principal

        self.port = port = free_port()
        self.home = home = init_hub(self.root / "hub", broker_port=port)
        self.kit_dirs = {k: provision_kit(home, k, self.root / "kits" / k) for k in KITS}
        _key, police_password = provision_principal(home, "police", "police", self.root / "police")
        # A watcher account of its own: the broker makes the username the client id, so watching with the
        # hub's account would take over the hub's session.
        from tests.conftest import add_probes

        self.probes: dict[str, str] = {}
        add_probes(BrokerFiles(home.broker_dir), self.probes)
        self.export = self.root / "export"
        py = sys.executable
        logs = self.root / "logs"
        logs.mkdir()
        self.procs: dict[str, Proc] = {
            "broker": BrokerProc(MosquittoProcess(BrokerFiles(home.broker_dir), port), logs / "broker.log"),
            "hub": Proc("hub", [py, "-m", "lockwarden.cli", "hub", "run", "--dir", str(home.dir)], logs / "hub.log"),
            "police": Proc("police", [py, "-m", "lockwarden.cli", "police-export", "--out", str(self.export),
                                      "--hub-key", str(home.keys / "hub_signing.pub"), "--police-key",
                                      str(self.root / "police" / "keys" / "police.key"), "--port", str(port),
                                      "--username", "police", "--password", police_password],
                           logs / "police.log"),
        }
        for k, d in self.kit_dirs.items():
            self.procs[k] = Proc(k, [py, "-m", "tests.faults.chaos_kit", "--dir", str(d)], logs / f"{k}.log")
        self.registrar = Registrar(home.dir / "hub.db")

    # -- progress probes --------------------------------------------------------------------------------
    def _hub_progress(self) -> dict[str, Any]:
        from hub.service import PROGRESS_FILE
        from protocol.progress import read_progress

        return read_progress(self.home.dir / PROGRESS_FILE) or {}

    def _first_progress(self, name: str, since_ms: int) -> int | None:
        """When `name` first made progress at or after `since_ms` (ms), if it has."""
        try:
            if name == "hub":
                doc = self._hub_progress()
                first = doc.get("first_progress_ms")
                return first if isinstance(first, int) and doc.get("started_ms", 0) >= since_ms \
                    and first >= since_ms else None
            if name == "broker":
                last = self._hub_progress().get("progress_ms")
                return last if isinstance(last, int) and last >= since_ms else None
            if name == "police":
                from hub.police import layout

                st = (self.export / layout.STATE).stat()
                ms = int(st.st_mtime * 1000)
                return ms if ms >= since_ms else None
            conn = _ro(self.kit_dirs[name] / "data" / "kit.db")
            try:
                row = conn.execute("SELECT MIN(acked_ms) FROM records WHERE acked_ms >= ?", (since_ms,)).fetchone()
            finally:
                conn.close()
            return int(row[0]) if row and row[0] is not None else None
        except (OSError, sqlite3.Error):
            return None

    # -- the run ---------------------------------------------------------------------------------------
    def run(self) -> SeedResult:
        started = time.monotonic()
        self.setup()
        try:
            self._run()
        finally:
            self.registrar.stop.set()
            for name in ("kit-a", "kit-b", "hub", "police", "broker"):
                try:
                    self.procs[name].terminate()
                except Exception as exc:  # keep shutting the others down
                    self.result.problems.append(f"stopping {name}: {exc}")
        self._count()
        self.result.seconds = time.monotonic() - started
        return self.result

    def _run(self) -> None:
        p = self.procs
        p["broker"].start()
        p["police"].start()
        p["hub"].start()
        from tests.spine.helpers import poll, wait_hub_online

        wait_hub_online(self.port, self.probes["probe-watch"], timeout=60)
        self.registrar.start()
        for k in KITS:
            p[k].start()
        poll(lambda: all(self._first_progress(k, 0) is not None for k in KITS), 60, 0.1)
        faults = plan(self.seed, self.duration_s, list(p))
        self.result.faults = faults
        t0 = time.monotonic()
        # (due time, order, action, victim)
        queue: list[tuple[float, int, str, str]] = [(t0 + f.at_s, i, f.action, f.victim) for i, f in enumerate(faults)]
        heapq.heapify(queue)
        pause = {i: f.pause_s for i, f in enumerate(faults)}
        pending: list[tuple[str, int]] = []  # (victim, restart wall ms) awaiting first progress
        n = len(faults)
        while queue or pending:
            now = time.monotonic()
            while queue and queue[0][0] <= now:
                _due, i, action, victim = heapq.heappop(queue)
                proc = p[victim]
                if action == "kill":
                    if proc.up:
                        self.say(f"  t={now - t0:5.2f}s SIGKILL {victim}")
                        proc.kill()
                        heapq.heappush(queue, (now + pause[i], n + i, "restart", victim))
                elif action == "stop":
                    if proc.up and not proc.frozen:
                        self.say(f"  t={now - t0:5.2f}s SIGSTOP {victim}")
                        proc.freeze()
                        heapq.heappush(queue, (now + pause[i], n + i, "cont", victim))
                elif action == "restart":
                    proc.start()
                    pending.append((victim, _now_ms()))
                elif action == "cont":
                    proc.thaw()
            still = []
            for victim, since in pending:
                first = self._first_progress(victim, since)
                if first is not None:
                    self.result.recoveries.append((victim, max(0, first - since) / 1000))
                elif _now_ms() - since > 120_000:
                    self.result.unrecovered.append(victim)
                else:
                    still.append((victim, since))
            pending = still
            time.sleep(0.05)
        self._drain()

    def _drain(self) -> None:
        """Production stops; everything left must reach the hub and the export."""
        from tests.spine.helpers import poll

        for proc in self.procs.values():
            if proc.frozen:
                proc.thaw()
            if not proc.up:
                proc.start()
        self.registrar.stop.set()
        self.registrar.join(120)
        for k in KITS:
            kit = self.procs[k]
            kit.terminate()
            kit.env["CHAOS_PRODUCE"] = "0"
            kit.start()
        self.result.drained = poll(self._settled, self.drain_s, 0.25)
        if not self.result.drained:
            self.result.problems.append(f"not drained after {self.drain_s:.0f} s: {self._backlog()}")

    def _backlog(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, d in self.kit_dirs.items():
            conn = _ro(d / "data" / "kit.db")
            try:
                out[k] = (conn.execute("SELECT COUNT(*) FROM records WHERE state='pending'").fetchone()[0],
                          conn.execute("SELECT COUNT(*) FROM files WHERE state='pending'").fetchone()[0])
            finally:
                conn.close()
        out["police"] = (self._export_seq(), self.registrar.emitted)
        return out

    def _export_seq(self) -> int:
        from hub.police import layout

        try:
            return int(json.loads((self.export / layout.STATE).read_bytes())["seq"])
        except (OSError, ValueError, KeyError):
            return 0

    def _settled(self) -> bool:
        try:
            b = self._backlog()
        except sqlite3.Error:
            return False
        return all(b[k] == (0, 0) for k in KITS) and b["police"][0] == b["police"][1]

    # -- counting ----------------------------------------------------------------------------------------
    def _count(self) -> None:
        import protocol.messages  # noqa: F401  (registers the message types)
        from hub.police.reader import iter_entries
        from protocol.envelope import open_envelope
        from tests.faults.chaos_kit import check_of

        r = self.result
        hub = _ro(self.home.dir / "hub.db")
        try:
            from hub.ingest.principals import Principals

            principals = Principals(hub)
            tokens: dict[str, int] = {}
            for k, d in self.kit_dirs.items():
                kit = _ro(d / "data" / "kit.db")
                try:
                    ids = [row[0] for row in kit.execute("SELECT id FROM records")]
                    r.refused += kit.execute("SELECT COUNT(*) FROM records WHERE state='refused'").fetchone()[0]
                    files = list(kit.execute("SELECT file_id, sha256, state FROM files"))
                finally:
                    kit.close()
                r.records += len(ids)
                r.files += len(files)
                r.refused += sum(1 for f in files if f[2] == "refused")
                have = {row[0]: row for row in hub.execute(
                    "SELECT id, wire, wire_sha256, body FROM kit_records WHERE sender=? AND type='kit.record'", (k,))}
                r.lost += sum(1 for i in ids if i not in have)
                for rec_id, wire, wire_sha, body in have.values():
                    bad = hashlib.sha256(wire).hexdigest() != wire_sha
                    try:
                        env, _body = open_envelope(wire, principals.key_for)
                        bad = bad or env.id != rec_id
                    except Exception:
                        bad = True
                    data = json.loads(body).get("data", {})
                    token = data.get("token")
                    if token is not None:
                        tokens[token] = tokens.get(token, 0) + 1
                        bad = bad or data.get("check") != check_of(token)
                    r.corrupt += bad
                for file_id, sha, _state in files:
                    row = hub.execute("SELECT status, sha256 FROM media_files WHERE file_id=?", (file_id,)).fetchone()
                    if row is None or row[0] != "complete":
                        r.lost += 1
                        continue
                    stored = self.home.dir / "media" / "sha256" / sha[:2] / sha
                    if row[1] != sha or not stored.exists() or hashlib.sha256(stored.read_bytes()).hexdigest() != sha:
                        r.corrupt += 1
            r.duplicated += sum(n - 1 for n in tokens.values())
            r.police = int(hub.execute("SELECT COUNT(*) FROM police_feed").fetchone()[0])
        finally:
            hub.close()
        seqs = [e.seq for e in iter_entries(self.export)]
        r.lost += r.police - len(set(seqs))
        r.duplicated += len(seqs) - len(set(seqs))
        if seqs != list(range(1, len(seqs) + 1)):
            r.corrupt += 1
            r.problems.append("export entries out of order")
        verify = subprocess.run(
            [sys.executable, "-m", "lockwarden.cli", "--lang", "en", "police-verify", str(self.export),
             "--hub-key", str(self.home.keys / "hub_signing.pub"), "--all-signatures"],
            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=300)
        r.verify_ok = verify.returncode == 0
        if not r.verify_ok:
            r.problems.append(f"police-verify: {verify.stdout[-2000:]}{verify.stderr[-2000:]}")


def run_seeds(seeds: list[int], *, duration_s: float, keep: Path | None = None, out: Any = print) -> list[SeedResult]:
    results = []
    for seed in seeds:
        root = Path(tempfile.mkdtemp(prefix=f"chaos-{seed}-", dir=keep))
        out(f"seed {seed}: {root}")
        res = Run(seed, root, duration_s=duration_s, say=out).run()
        results.append(res)
        recov = ", ".join(f"{v} {s:.2f}s" for v, s in res.recoveries) or "none"
        out(f"seed {seed}: {len(res.faults)} faults, {res.records} records, {res.files} files, {res.police} police "
            f"records; lost {res.lost}, duplicated {res.duplicated}, corrupt {res.corrupt}, refused {res.refused}; "
            f"police-verify {'ok' if res.verify_ok else 'FAILED'}; {res.seconds:.0f} s")
        out(f"  recovery after restart: {recov}")
        for problem in res.problems + [f"{v} never made progress after its restart" for v in res.unrecovered]:
            out(f"  PROBLEM: {problem}")
        if res.ok and keep is None:
            import shutil

            shutil.rmtree(root, ignore_errors=True)
    return results


def summary(results: list[SeedResult]) -> str:
    rec = [s for r in results for _v, s in r.recoveries]
    worst = max((r for r in results for r in r.recoveries), key=lambda vs: vs[1], default=("-", 0.0))
    by: dict[str, list[float]] = {}
    for r in results:
        for v, s in r.recoveries:
            by.setdefault(v, []).append(s)
    lines = [
        f"fault runs: {len(results)} ({sum(r.ok for r in results)} clean), faults injected: "
        f"{sum(len(r.faults) for r in results)} (restarts measured: {len(rec)})",
        f"records: {sum(r.records for r in results)}, files: {sum(r.files for r in results)}, police records: "
        f"{sum(r.police for r in results)}",
        f"lost: {sum(r.lost for r in results)}, duplicated: {sum(r.duplicated for r in results)}, corrupt: "
        f"{sum(r.corrupt for r in results)}, refused: {sum(r.refused for r in results)}, police-verify failures: "
        f"{sum(not r.verify_ok for r in results)}",
        f"recovery time after restart: worst {worst[1]:.2f} s ({worst[0]}), median "
        f"{sorted(rec)[len(rec) // 2] if rec else 0:.2f} s",
    ]
    for v, xs in sorted(by.items()):
        lines.append(f"  {v:7s} restarts {len(xs):3d}  worst {max(xs):6.2f} s  median {sorted(xs)[len(xs) // 2]:6.2f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20, help="how many seeded runs")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=12.0, help="seconds of faults per run")
    parser.add_argument("--keep", type=Path, help="keep every run's folders (logs, stores, export) under here")
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    results = run_seeds(list(range(args.first_seed, args.first_seed + args.seeds)), duration_s=args.duration,
                        keep=args.keep, out=lambda *a: print(*a, flush=True))
    print(summary(results), flush=True)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
