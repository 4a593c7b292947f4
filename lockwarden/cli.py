"""`lockwarden SUBCOMMAND`: every process of ARCHITECTURE.md behind one console script.

Each subcommand lives in its own module under `lockwarden/commands/` and exposes
`register(subparsers)`; the module is found by discovery, so adding a command never means editing
this file. A command's `register` sets `func` on its parser; `func(args)` returns the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from typing import Any

from lockwarden import __version__, commands
from protocol.i18n import _, set_language
from protocol.settings import SettingsError


class HelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """argparse's own words (usage, group titles, -h) in the chosen language too: argparse translates them
    through the stdlib gettext domain, which has no catalogue here. Subcommand parsers inherit the class."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = _("positional arguments")
        self._optionals.title = _("options")
        for action in self._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = _("show this help message and exit")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="lockwarden", description=_("Police-supervised locksmith services"))
    parser.add_argument("--lang", help=_("zh_CN (default) or en; LOCKWARDEN_LANG overrides"))
    parser.add_argument("--version", action="version", version=f"lockwarden {__version__}",
                        help=_("print the version and exit"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def _early_language(argv: Sequence[str]) -> None:
    """Help texts are translated while the parser is built, so `--lang` is applied before that."""
    lang = None
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
    set_language(lang)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _early_language(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    set_language(args.lang)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args) or 0)
    except SettingsError as exc:
        # A bad or missing settings file is the operator's to fix: one line naming the file and the key,
        # exit 2 (as for a bad command line), never a traceback.
        print(_("lockwarden: configuration error: {error}").format(error=exc), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
