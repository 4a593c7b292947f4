"""`lockwarden demo`: the whole system on one machine (LOCKWARDEN_DEMO_DIR chooses where)."""

from __future__ import annotations

import argparse

from protocol.i18n import _


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help=_("run the whole system on this machine with emulated hardware"))
    # `lockwarden demo --lang en` as well as `lockwarden --lang en demo` (SUPPRESS: no default overriding the latter)
    p.add_argument("--lang", default=argparse.SUPPRESS, help=_("zh_CN (default) or en; LOCKWARDEN_LANG overrides"))
    p.set_defaults(func=lambda _args: _run())


def _run() -> int:
    from lockwarden.demo.run import run_demo

    return run_demo()
