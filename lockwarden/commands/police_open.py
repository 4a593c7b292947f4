"""`lockwarden police-open EXPORT_DIR --order ORDER --out DIR`: the police open the sealed evidence of an
order (customer photo, ID card photo, fingerprint templates) with their own sealing key. The export keeps
those files sealed to the police key; this writes clear copies only where the analyst asks."""

from __future__ import annotations

import argparse
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
    import re

    import msgspec

    from hub.evidence.police_copy import open_police_copy
    from hub.police.layout import record_files
    from hub.police.media_store import media_path
    from hub.police.reader import decode_raw
    from protocol.errors import Rejected
    from protocol.keys import SealingKey
    from protocol.safepath import check_id, inside
    from protocol.settings import read_config_file

    key = read_config_file(args.key, "--key", SealingKey.from_b64).private
    args.out.mkdir(parents=True, exist_ok=True)
    opened = 0
    needle = args.order.encode("utf-8")
    for path in record_files(args.dir):
        for line in path.read_bytes().splitlines():
            if needle not in line or b"sealed_for" not in line:
                continue  # cheap: most lines of a large export are about other orders
            # An export line is one chain entry (hub/police/reader.py); the hub's police.record is its `env`.
            # Sealed evidence is listed in the record's data (hub/evidence/tracker.py); the record-level
            # media references (MediaRef) never carry `sealed_for`.
            data = msgspec.json.decode(decode_raw(line).env)["body"]["data"]
            if data.get("order_id") != args.order:
                continue
            for m in data.get("media", []):
                if not isinstance(m, dict) or m.get("sealed_for") != "police":
                    continue
                # the names come from the export: data, never a path out of the export or of --out
                kind = re.sub(r"[^a-z0-9._-]", "_", str(m.get("kind") or "file"))[:40]
                try:
                    file_id = check_id(m.get("file_id"), "ulid", "file_id")
                    blob = media_path(args.dir, check_id(m.get("sha256"), "sha256", "sha256")).read_bytes()
                except Rejected as exc:
                    print(_("skipped a file with an unusable name: {detail}").format(detail=exc.detail))
                    continue
                plain = open_police_copy(blob, file_id, key)
                suffix = ".jpg" if plain[:2] == b"\xff\xd8" else ".json" if plain[:1] == b"{" else ".bin"
                target = inside(args.out, f"{kind}-{file_id}{suffix}")
                target.write_bytes(plain)
                print(_("opened {kind} -> {path}").format(kind=m.get("kind"), path=target))
                opened += 1
    if not opened:
        print(_("No sealed evidence for order {order} in this export").format(order=args.order))
        return 1
    return 0
