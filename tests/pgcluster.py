"""A PostgreSQL cluster of the tests' own: initdb in a temporary directory, a postgres server on a unix
socket there (no TCP, never the machine's own server), run as an unprivileged user (CI runs as root, and
PostgreSQL refuses to run as root: the Debian package's `postgres` account then runs it).

One cluster per test session; one fresh database per test, copied from a migrated template (CREATE
DATABASE ... TEMPLATE takes milliseconds, migrating takes a second).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hub.db import Postgres, open_hub_db

TEMPLATE = "hub_template"


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    root: Path
    port: int
    proc: subprocess.Popen[bytes]
    user: str
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _template_ready: bool = False

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host={self.root} port={self.port} dbname={dbname} user={self.user}"

    def admin(self) -> object:
        import psycopg

        return psycopg.connect(self.dsn(), autocommit=True)

    def template(self) -> None:
        if self._template_ready:
            return
        with self.admin() as c:  # type: ignore[attr-defined]
            c.execute(f"CREATE DATABASE {TEMPLATE}")
        open_hub_db(Postgres(self.dsn(TEMPLATE))).close()
        self._template_ready = True

    def new_database(self, like: Postgres | None = None) -> Postgres:
        """A fresh, fully migrated hub database; with `like`, a copy of that one (nobody may be connected to it)."""
        self.template()
        name = f"hub_{os.getpid()}_{next(self._names)}"
        with self.admin() as c:  # type: ignore[attr-defined]
            c.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE if like is None else dbname(like)}")
        return Postgres(self.dsn(name))

    def drop(self, db: Postgres) -> None:
        name = dbname(db)
        with self.admin() as c:  # type: ignore[attr-defined]
            c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def dbname(db: Postgres) -> str:
    return db.dsn.split("dbname=", 1)[1].split()[0]


class Unavailable(Exception):
    """No PostgreSQL to start here (the reason says what to install)."""


def start_cluster(*, durable: bool = False) -> Cluster:
    """Start a throwaway cluster. durable=False turns fsync off (tests); bench/ keeps it on, as a hub would.
    Raises Unavailable when the server binaries or psycopg are missing."""
    bin_dir = pg_bin()
    if bin_dir is None:
        raise Unavailable("PostgreSQL server binaries missing (/usr/lib/postgresql/*/bin): "
                          "scripts/ensure_packages.sh installs Debian's postgresql")
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise Unavailable("psycopg missing: pip install 'lockwarden[hub]'") from exc
    root = Path(tempfile.mkdtemp(prefix="lw-pg-"))
    runner: list[str] = []
    user = pwd.getpwuid(os.getuid()).pw_name
    if os.getuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError as exc:
            raise Unavailable("running as root and there is no 'postgres' account to run PostgreSQL as") from exc
        os.chown(root, account.pw_uid, account.pw_gid)
        os.chmod(root, 0o700)
        runner = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--init-groups",
                  "--reset-env", "--"]
        user = "postgres"
    data = root / "data"
    subprocess.run([*runner, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", user, "-E", "UTF8",
                    "--locale=C", "--no-sync", "--no-instructions"], check=True, capture_output=True,
                   cwd="/")
    port = _free_port()
    log = open(root / "server.log", "wb")  # noqa: SIM115 (the server holds it for its life)
    if runner:
        os.chown(root / "server.log", pwd.getpwnam("postgres").pw_uid, -1)
    # Durability off for tests (a test database is thrown away); bench/ measures with it on.
    fast = [] if durable else ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
    proc = subprocess.Popen([*runner, str(bin_dir / "postgres"), "-D", str(data), "-k", str(root), "-p", str(port),
                             "-c", "listen_addresses=", *fast, "-c", "max_connections=200",
                             "-c", "shared_buffers=" + ("128MB" if durable else "32MB")],
                            stdout=log, stderr=subprocess.STDOUT, cwd="/", start_new_session=True)
    cluster = Cluster(root=root, port=port, proc=proc, user=user)
    deadline = time.monotonic() + 60
    while not (root / f".s.PGSQL.{port}").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            cluster.stop()
            raise RuntimeError("PostgreSQL did not start:\n" + (root / "server.log").read_text(errors="replace"))
        time.sleep(0.05)
    while True:  # the socket appears a moment before the server accepts
        try:
            cluster.admin().close()  # type: ignore[attr-defined]
            break
        except Exception:
            if time.monotonic() > deadline:
                cluster.stop()
                raise
            time.sleep(0.05)
    return cluster


def remove(cluster: Cluster) -> None:
    cluster.stop()
    shutil.rmtree(cluster.root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    try:
        cluster = start_cluster()
    except Unavailable as exc:
        pytest.skip(str(exc))
    try:
        yield cluster
    finally:
        remove(cluster)


@pytest.fixture
def pg_database(pg_cluster: Cluster) -> Iterator[Postgres]:
    """A fresh, migrated hub database on the session's own PostgreSQL cluster (dropped after the test)."""
    db = pg_cluster.new_database()
    yield db
    pg_cluster.drop(db)
