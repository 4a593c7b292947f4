"""The "Limits and refusals" section of docs/mqtt.md, rendered from protocol/limits.py and the reason codes."""

from __future__ import annotations

from protocol import limits
from protocol.safepath import FORMAT_HELP


def _size(n: int) -> str:
    for unit, div in (("GiB", limits.GIB), ("MiB", limits.MIB), ("KiB", limits.KIB)):
        if n >= div and n % div == 0:
            return f"{n // div} {unit}"
    return f"{n} bytes"


def limits_lines() -> list[str]:
    L = limits
    out = [
        f"- nesting: at most {L.MAX_DEPTH} levels of objects and arrays",
        "- keys: each at most once per object; numbers: no NaN or Infinity, integers within +-(2**53 - 1) "
        f"({L.INT_MIN:,} to {L.INT_MAX:,}: beyond, a value has no canonical encoding)",
        f"- identifiers that name files: at most {L.MAX_ID_CHARS} characters, of their format: "
        + "; ".join(f"{k}: {v}" for k, v in FORMAT_HELP.items()),
        f"- quarantine: the first {_size(L.QUARANTINE_RAW_PREFIX)} of each refused message, at most "
        f"{L.QUARANTINE_MAX_ENTRIES} entries (the oldest dropped first and counted; `lockwarden hub quarantine`)",
        f"- the police export's `quarantine.jsonl`: the same prefix per entry; past {_size(L.QUARANTINE_FILE_BYTES)} "
        "it becomes `quarantine.jsonl.1` (the one before is dropped, its entries counted in the new file's first "
        "line)",
        "",
        "| topic | largest payload |",
        "|---|---|",
    ]
    out += [f"| `{name}` | {_size(size)} |" for name, size in L.TOPIC_PAYLOAD_BYTES.items()]
    out += ["", "| media kind | largest file |", "|---|---|"]
    out += [f"| `{kind}.*` | {_size(size)} |" for kind, size in L.MEDIA_KIND_BYTES.items()]
    out += [f"| any other | {_size(L.DEFAULT_MEDIA_BYTES)} |", "",
            "| sender role | unfinished uploads at once | dropped when untouched for | messages per second | burst |",
            "|---|---|---|---|---|"]
    for role, rate in L.SENDER_RATE.items():
        open_ = L.MAX_OPEN_UPLOADS.get(role)
        stale = L.STALE_UPLOAD_MS.get(role)
        out.append(f"| {role} | {open_ if open_ is not None else '-'} | "
                   f"{f'{stale // 3_600_000} h' if stale is not None else '-'} | {rate.per_second:g} | {rate.burst} |")
    return out
