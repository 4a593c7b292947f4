"""Render the contract docs from their single sources: `docs/mqtt.md` from the topic table and the
message registry. Other areas register their own renderers in RENDERERS (module path -> output file);
`make docs` runs them all, and a test fails when a committed doc is stale."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

import msgspec

import protocol.messages  # noqa: F401  (registers every message type)
from protocol.envelope import Envelope
from protocol.registry import MESSAGES
from protocol.topics import TOPICS

ROOT = Path(__file__).resolve().parents[1]


def render_mqtt() -> str:
    return "\n".join(_mqtt_lines()) + "\n"


def _mqtt_lines() -> list[str]:
    out = [
        "# The MQTT contract (`lw/v1`)",
        "",
        "Generated from `protocol/topics.py` and `protocol/messages/` by `make docs`; do not edit by hand.",
        "",
        "Every payload is a signed JSON envelope. The signature is Ed25519 over the canonical encoding of the",
        "envelope without `sig` (keys sorted, no whitespace, UTF-8). Receivers reject bad signatures, a sender",
        "that does not own the topic, replays (a message id or a per-sender sequence number seen before) and",
        "unknown types, and quarantine them with the reason. All topics use QoS 1 and persistent sessions.",
        "",
        "```json",
        json.dumps(msgspec.to_builtins(Envelope(v=1, id="01JGZ0000000000000000000AA", sender="kit-001", seq=42,
                                                ts=1767225600000, type="kit.record", body={"...": "..."},
                                                sig="<base64 Ed25519 signature>")), indent=2, ensure_ascii=False),
        "```",
        "",
        "## Topics",
        "",
    ]
    for t in TOPICS:
        out += [f"### `{t.wildcard().replace('+', '{' + (_param(t.pattern) or '') + '}') if '+' in t.wildcard() else t.wildcard()}`",
                "", t.summary, "",
                f"- publisher: {t.publisher}; subscribers: {t.subscribers}; QoS {t.qos}"
                + ("; retained" if t.retained else ""), ""]
        types = t.types or tuple(n for n, m in MESSAGES.items() if _sender_matches(t.publisher, m.sender)
                                 and not _claimed(n))
        if types:
            out.append("Message types: " + ", ".join(f"[`{n}`](#{n.replace('.', '')})" for n in types if n in MESSAGES))
            out.append("")
            first = next((n for n in types if n in MESSAGES), None)
            if first is not None:
                out += [f"Example (`{first}`, the envelope's `body`):", "", "```json",
                        json.dumps(msgspec.to_builtins(MESSAGES[first].example()), indent=2, ensure_ascii=False),
                        "```", ""]
    out += _job_record_lines()
    out += ["## Message types", ""]
    for name in sorted(MESSAGES):
        spec = MESSAGES[name]
        example = msgspec.to_builtins(spec.example())
        out += [f"### {name}", "", f"Sent by: {spec.sender}. {spec.summary}", "", "```json",
                json.dumps(example, indent=2, ensure_ascii=False), "```", ""]
    return out


def _job_record_lines() -> list[str]:
    """The on-site job's record kinds (`kit.record` with an order id), from protocol/jobrecords.py."""
    from protocol import jobrecords

    common = set(jobrecords.JobRecord.__struct_fields__)
    out = ["## Job records", "",
           "The on-site job reaches the hub as `kit.record` messages with `order_id` set, one kind per step "
           "(set-out included). Every record's `data` carries "
           + ", ".join(f"`{f}`" for f in jobrecords.JobRecord.__struct_fields__)
           + "; the fields of each kind follow. The hub decodes them with `protocol.jobrecords.decode` and "
           "refuses a record that does not fit. Kinds marked *police* are forwarded to the police one by one.", "",
           "| kind | fields | |", "|---|---|---|"]
    for kind, struct in jobrecords.TYPES.items():
        fields = []
        info = msgspec.inspect.type_info(struct)
        assert isinstance(info, msgspec.inspect.StructType)
        for f in info.fields:
            if f.name not in common:
                fields.append(f"`{f.name}{'' if f.required else '?'}`")
        doc = " ".join(line.strip() for line in (struct.__doc__ or "").strip().splitlines())
        police = " *police*" if kind in jobrecords.POLICE_KINDS else ""
        out.append(f"| `{kind.value}` | {', '.join(fields) or '-'} | {doc}{police} |")
    return out + [""]


def _param(pattern: str) -> str | None:
    import re

    m = re.search(r"\{(\w+)\}", pattern)
    return m.group(1) if m else None


def _sender_matches(publisher: str, sender: str) -> bool:
    return publisher.split()[0].startswith(sender[:3])


def _claimed(type_name: str) -> bool:
    return any(type_name in t.types for t in TOPICS)


RENDERERS: dict[str, Callable[[], str]] = {"docs/mqtt.md": render_mqtt}
EXTERNAL = {
    "docs/orders.md": "hub.orders.docs:render",
}


def all_docs() -> dict[str, str]:
    docs = {path: fn() for path, fn in RENDERERS.items()}
    for path, target in EXTERNAL.items():
        module, _, func = target.partition(":")
        try:
            docs[path] = getattr(importlib.import_module(module), func)()
        except (ImportError, AttributeError):
            continue
    return docs


def main() -> int:
    for path, text in all_docs().items():
        (ROOT / path).write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
