"""`lockwarden police-open EXPORT_DIR --order ORDER --out DIR`: the police open the sealed evidence of an
order (customer photo, ID card photo, fingerprint templates) with their own sealing key. The export keeps
those files sealed to the police key; this writes clear copies only where the analyst asks."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from protocol.i18n import _


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("police-open", help=_("open an order's sealed evidence with the police sealing key"))
    p.add_argument("dir", type=Path, help=_("export directory"))
    p.add_argument("--order", required=True)
    p.add_argument("--key", type=Path, required=True, help=_("the police sealing key (police_sealing.key)"))
    p.add_argument("--out", type=Path, required=True, help=_("where to write the opened files"))
    p.set_defaults(func=_open)


def _open(args: argparse.Namespace) -> int:
    from hub.evidence.police_copy import open_police_copy
    from hub.police.layout import record_files
    from hub.police.media_store import media_path
    from protocol.keys import SealingKey

    key = SealingKey.from_b64(args.key.read_text()).private
    args.out.mkdir(parents=True, exist_ok=True)
    opened = 0
    for path in record_files(args.dir):
        for line in path.read_text(encoding="utf-8").splitlines():
            if args.order not in line or "sealed_for" not in line:
                continue
            entry = json.loads(line)
            data = _record_body(entry)
            if data.get("order_id") != args.order:
                continue
            for m in [*data.get("media", []), *(entry.get("env", {}).get("body", {}).get("media") or [])]:
                if not isinstance(m, dict) or m.get("sealed_for") != "police":
                    continue
                blob = media_path(args.dir, m["sha256"]).read_bytes()
                plain = open_police_copy(blob, m["file_id"], key)
                suffix = ".jpg" if plain[:2] == b"\xff\xd8" else ".json" if plain[:1] == b"{" else ".bin"
                target = args.out / f"{m.get('kind') or 'file'}-{m['file_id']}{suffix}"
                target.write_bytes(plain)
                print(_("opened {kind} -> {path}").format(kind=m.get("kind"), path=target))
                opened += 1
    if not opened:
        print(_("No sealed evidence for order {order} in this export").format(order=args.order))
        return 1
    return 0


def _record_body(entry: dict) -> dict:  # type: ignore[type-arg]
    """An export line holds the hub's signed envelope; the forwarded record is in its body's `data`."""
    env = entry.get("envelope") or entry.get("env") or entry
    body = env.get("body", env) if isinstance(env, dict) else {}
    return body.get("data", body) if isinstance(body, dict) else {}
