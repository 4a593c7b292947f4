"""`lockwarden broker check`: what an operator needs to know about the hub's broker before a kit fails to
connect. Listeners (and whether each binds client ids to accounts), certificates' expiry, and whether the
password file and ACL agree with the principals the hub knows.
"""

from __future__ import annotations

import datetime as dt
import re
import stat
from dataclasses import dataclass, field

from hub.broker.config import BrokerFiles, firmware_dir
from hub.broker.pki import expiry, issued_to
from hub.broker.process import port_open
from hub.db import open_hub_db
from hub.home import HubHome
from hub.ingest.principals import Principals
from hub.naming import role_label
from hub.provisioning import ACL_ROLES
from protocol.i18n import _

EXPIRY_WARNING = dt.timedelta(days=30)


@dataclass
class Listener:
    port: int
    bind: str
    tls: bool
    client_id_bound: bool
    open: bool


@dataclass
class BrokerReport:
    listeners: list[Listener] = field(default_factory=list)
    certificates: list[tuple[str, dt.datetime]] = field(default_factory=list)  # (what, not valid after)
    principals: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _listeners(conf: str) -> list[tuple[int, str, list[str]]]:
    """(port, bind address, the listener's own lines) for each `listener` block of a rendered config."""
    found: list[tuple[int, str, list[str]]] = []
    for line in conf.splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "listener":
            found.append((int(words[1]), words[2] if len(words) > 2 else "", []))
        elif found:
            found[-1][2].append(line.strip())
    return found


def check_broker(home: HubHome, *, now: dt.datetime | None = None) -> BrokerReport:
    now = now or dt.datetime.now(dt.UTC)
    rep = BrokerReport()
    files = BrokerFiles(home.broker_dir)
    settings = home.settings()
    if not files.conf.exists():
        rep.problems.append(_("no broker configuration in {path}: run `lockwarden broker --render-only`").format(
            path=files.dir))
        return rep
    conf = files.conf.read_text()
    for port, bind, lines in _listeners(conf):
        tls = any(ln.startswith("certfile") for ln in lines)
        bound = "use_username_as_clientid true" in lines
        host = "127.0.0.1" if bind in ("", "0.0.0.0", "::") else bind
        rep.listeners.append(Listener(port, bind or "*", tls, bound, port_open(port, host)))
        if not bound:
            rep.problems.append(_("listener {port} does not bind client ids to accounts "
                                  "(use_username_as_clientid): any account could take over another's session")
                                .format(port=port))
    if not rep.listeners:
        rep.problems.append(_("the broker configuration has no listener"))
    _certificates(home, settings.broker.tls_port is not None, now, rep)
    _accounts(home, files, settings.broker.username, now, rep)
    _modes(home, files, rep)
    return rep


def _certificates(home: HubHome, tls: bool, now: dt.datetime, rep: BrokerReport) -> None:
    if not tls:
        return
    named = [(_("CA"), home.pki / "ca.crt"), (_("broker server certificate"), home.pki / "broker.crt")]
    for what, path in named:
        if not path.exists():
            rep.problems.append(_("{what} missing: {path}").format(what=what, path=path))
            continue
        _expiry(what, expiry(path), now, rep)
    if not (home.pki / "crl.pem").exists():
        rep.problems.append(_("no revocation list {path}: the field listener will not start").format(
            path=home.pki / "crl.pem"))


def _expiry(what: str, until: dt.datetime, now: dt.datetime, rep: BrokerReport) -> None:
    rep.certificates.append((what, until))
    if until <= now:
        rep.problems.append(_("{what} expired on {date}").format(what=what, date=until.date().isoformat()))
    elif until - now < EXPIRY_WARNING:
        rep.warnings.append(_("{what} expires on {date}").format(what=what, date=until.date().isoformat()))


def _accounts(home: HubHome, files: BrokerFiles, hub_user: str, now: dt.datetime, rep: BrokerReport) -> None:
    conn = open_hub_db(home.database())
    try:
        everyone = Principals(conn).all()
    finally:
        conn.close()
    active = {pid: role for pid, role, status in everyone if status == "active"}
    revoked = {pid for pid, _role, status in everyone if status == "revoked"}
    rep.principals = len(active)
    accounts = set(files.usernames())
    blocks = files.acl_blocks()
    acl = files.acl.read_text() if files.acl.exists() else ""
    shipped = (firmware_dir() / "acl").read_text()
    tls = (home.pki / "ca.key").exists() and home.settings().broker.tls_port is not None
    if hub_user not in accounts:
        rep.problems.append(_("the hub's own account {id!r} is not in the password file").format(id=hub_user))
    if not re.search(rf"^user {re.escape(hub_user)}$", acl, re.M):
        rep.problems.append(_("the ACL has no lines for the hub's account {id!r}").format(id=hub_user))
    for pid, role in sorted(active.items()):
        certs = issued_to(home.pki, pid) if tls else []
        if pid not in accounts and not certs:
            rep.problems.append(_("{id} ({role}) has neither a broker password nor a certificate").format(
                id=pid, role=role_label(role)))
        if role in ACL_ROLES:
            if pid not in blocks:
                rep.problems.append(_("{id} ({role}) has no ACL block (acl.d/{id}.acl)").format(id=pid, role=role_label(role)))
            elif not re.search(rf"^user {re.escape(pid)}$", acl, re.M):
                rep.problems.append(_("{id}'s ACL block is not in the rendered ACL: reload the broker").format(id=pid))
        elif "%u" not in shipped:
            rep.problems.append(_("{id} ({role}) has no ACL lines").format(id=pid, role=role_label(role)))
        for cert in certs[-1:]:
            _expiry(_("certificate of {id}").format(id=pid), expiry(cert), now, rep)
    for name in sorted(accounts - set(active) - {hub_user}):
        why = _("revoked") if name in revoked else _("not a principal of this hub")
        rep.problems.append(_("stray broker account {id} ({why})").format(id=name, why=why))
    for name in sorted(set(blocks) - set(active)):
        if name in revoked and files.is_deny_block(name):
            continue  # what revocation leaves: a deny of everything
        why = _("revoked") if name in revoked else _("not a principal of this hub")
        rep.problems.append(_("stray ACL block acl.d/{id}.acl ({why})").format(id=name, why=why))
    for name in sorted(revoked - set(blocks)):
        rep.warnings.append(_("revoked {id} has no deny block: a connection it still holds keeps its rights "
                              "until it drops").format(id=name))


def _modes(home: HubHome, files: BrokerFiles, rep: BrokerReport) -> None:
    for path, most in ((home.settings_file, 0o600), (files.passwd, 0o640)):
        if path.exists():
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & ~most:
                rep.problems.append(_("{path} is mode {mode:o}; it holds secrets and must be at most {most:o}")
                                    .format(path=path, mode=mode, most=most))


def listener_line(li: Listener) -> str:
    kind = _("TLS, client certificates") if li.tls else _("password")
    state = _("open") if li.open else _("not answering")
    bound = _("client id = account") if li.client_id_bound else _("client id NOT bound")
    return f"{li.bind}:{li.port}  {kind}; {bound}; {state}"


