"""`lockwarden police-open EXPORT_DIR (--order ORDER | --locksmith ID | --unit ID) --key KEY --out DIR`: the police
open sealed files with their own sealing key: an order's job evidence (customer photo, ID card photo,
fingerprint templates) and the ID card photos of its request (customer, witness, officer); a locksmith's or
a unit's filing images. The export keeps them sealed to the police key; this writes clear copies only where
the analyst asks, and every opening is first written to the export's access log (who, when, what)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from protocol.i18n import _
from protocol.labels import N_

# What each sealed file is, as an officer reads it: job evidence (hub/evidence/tracker.py) and the images of a
# request or a filing (hub/forwarding/police_images.py names them by their field's path).
FILE_KINDS = {
    "photo.customer": N_("photo of the customer"), "photo.id_card": N_("photo of the customer's ID card"),
    "id_number.customer": N_("the customer's ID number as read on site"),
    "fingerprint.customer": N_("the customer's fingerprint template"),
    "form.police_copy": N_("the job's form as sent to the police"),
    "request.customer_id_image": N_("the customer's ID card photo in the request"),
    "request.witness.id_image": N_("the witness's ID card photo in the request"),
    "request.officer.id_image": N_("the officer's ID card photo in the request"),
    "id_image": N_("the locksmith's ID card photo"), "cert_image": N_("the locksmith's certificate"),
    "photo": N_("the locksmith's portrait"), "filing_receipt": N_("the filing receipt"),
}


def file_label(kind: str) -> str:
    return _(FILE_KINDS[kind]) if kind in FILE_KINDS else kind


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("police-open", help=_("open an order's sealed evidence with the police sealing key"))
    p.add_argument("dir", type=Path, help=_("export directory"))
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--order", help=_("an order: its job evidence and its request's ID card photos"))
    which.add_argument("--locksmith", help=_("a locksmith: his filing images (ID card, certificate, portrait, receipt)"))
    which.add_argument("--unit", help=_("a unit: its filing receipt"))
    p.add_argument("--key", type=Path, required=True, help=_("the police sealing key (police_sealing.key)"))
    p.add_argument("--out", type=Path, required=True, help=_("where to write the opened files"))
    p.add_argument("--officer", help=_("who is opening, written to the export's access log (default: the login name)"))
    p.set_defaults(func=_open)


def _matches(args: argparse.Namespace, body: dict[str, Any]) -> bool:
    from hub.police.keys_index import order_of

    kind, entity, data = str(body.get("kind", "")), str(body.get("entity_id", "")), body.get("data") or {}
    if args.order:
        return order_of(kind, entity, data) == args.order
    family = "locksmith." if args.locksmith else "unit."
    return kind.startswith(family) and entity == (args.locksmith or args.unit)


def _open(args: argparse.Namespace) -> int:
    import hashlib
    import re
    import sys

    import msgspec

    from hub.evidence.police_copy import open_police_copy
    from hub.police import access_log
    from hub.police.layout import record_files
    from hub.police.media_store import media_path
    from hub.police.reader import decode_raw
    from protocol.clock import SystemClock
    from protocol.errors import Rejected
    from protocol.keys import SealingKey
    from protocol.safepath import check_id, inside
    from protocol.sealed import SealError
    from protocol.settings import read_config_file

    key = read_config_file(args.key, "--key", SealingKey.from_b64).private
    target_id = args.order or args.locksmith or args.unit
    found: list[tuple[str, str, bytes]] = []  # (kind, AAD id, sealed blob)
    copies_of: dict[str, str] = {}  # AAD id -> SHA-256 the clear file must have (request and filing images)
    needle = target_id.encode("utf-8")
    for path in record_files(args.dir):
        for line in path.read_bytes().splitlines():
            if needle not in line or b"sealed_for" not in line:
                continue  # cheap: most lines of a large export are about other orders
            # An export line is one chain entry (hub/police/reader.py); the hub's police.record is its `env`.
            # Sealed files are listed in the record's data: job evidence (hub/evidence/tracker.py) and request
            # or filing images (hub/forwarding/police_images.py); record-level MediaRefs never carry `sealed_for`.
            body = msgspec.json.decode(decode_raw(line).env)["body"]
            if not _matches(args, body):
                continue
            for m in body["data"].get("media", []):
                if not isinstance(m, dict) or m.get("sealed_for") != "police":
                    continue
                # the names come from the export: data, never a path out of the export or of --out
                kind = re.sub(r"[^a-z0-9._-]", "_", str(m.get("kind") or "file"))[:40]
                try:
                    if m.get("file_id"):
                        aad_id = check_id(m.get("file_id"), "ulid", "file_id")
                    else:
                        aad_id = check_id(m.get("copy_of"), "sha256", "copy_of")
                        copies_of[aad_id] = aad_id
                    blob = media_path(args.dir, check_id(m.get("sha256"), "sha256", "sha256")).read_bytes()
                except Rejected as exc:
                    print(_("skipped a file with an unusable name: {detail}").format(detail=exc.detail))
                    continue
                except OSError:
                    print(_("skipped {kind}: its sealed copy is not in the export yet").format(kind=file_label(kind)))
                    continue
                found.append((kind, aad_id, blob))
    which = {"order": args.order, "locksmith": args.locksmith, "unit": args.unit}
    try:
        access_log.append(args.dir, at_ms=SystemClock().now_ms(), officer=args.officer, action="open",
                          what={k: v for k, v in which.items() if v} | {"out": str(args.out)}, results=len(found))
    except access_log.AccessLogError as exc:
        print(_("refused: {error}").format(error=exc), file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    opened = 0
    for kind, aad_id, blob in found:
        try:
            plain = open_police_copy(blob, aad_id, key)
        except SealError:
            print(_("{kind}: cannot be opened with this key (sealed to another key, or altered)").format(
                kind=file_label(kind)))
            continue
        if aad_id in copies_of and hashlib.sha256(plain).hexdigest() != copies_of[aad_id]:
            print(_("{kind}: the opened file does not match the hash its record names; not written").format(
                kind=file_label(kind)))
            continue
        suffix = ".jpg" if plain[:2] == b"\xff\xd8" else ".png" if plain[:4] == b"\x89PNG" else \
            ".json" if plain[:1] == b"{" else ".bin"
        target = inside(args.out, f"{kind}-{aad_id[:26]}{suffix}")
        target.write_bytes(plain)
        print(_("opened {kind} -> {path}").format(kind=file_label(kind), path=target))
        opened += 1
    if not opened:
        print(_("No sealed evidence for {what} in this export").format(what=target_id))
        return 1
    return 0
