"""Render the contract docs from their single sources: the generated blocks of `docs/mqtt.md` (topic table,
message registry, refusal reasons, limits, test vectors), of `docs/police.md` (verifier problem codes) and
of `docs/operators.md` (the labels people read for each closed value, lockwarden/docs_labels.py).
The prose around them is the hand-written specification; each generated block sits between
`<!-- BEGIN GENERATED: name -->` and `<!-- END GENERATED: name -->` and is replaced whole. Other areas
register their own renderers in RENDERERS (module path -> output file); `make docs` runs them all (and
writes docs/vectors/), and a test fails when a committed doc is stale."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

import msgspec

import protocol.messages  # noqa: F401  (registers every message type)
from lockwarden.docs_limits import limits_lines
from protocol.envelope import Envelope
from protocol.registry import MESSAGES
from protocol.topics import TOPICS

ROOT = Path(__file__).resolve().parents[1]


class MissingBlock(ValueError):
    pass


def fill(path: Path, blocks: dict[str, str]) -> str:
    """The hand-written `path` with each generated block replaced by `blocks[name]`."""
    text = path.read_text(encoding="utf-8")
    for name, content in blocks.items():
        begin, end = f"<!-- BEGIN GENERATED: {name} -->", f"<!-- END GENERATED: {name} -->"
        a, b = text.find(begin), text.find(end)
        if a < 0 or b < a:
            raise MissingBlock(f"{path.name} lacks the markers of generated block {name!r}")
        text = text[:a + len(begin)] + "\n" + content.rstrip("\n") + "\n" + text[b:]
    return text


def render_mqtt() -> str:
    return fill(ROOT / "docs" / "mqtt.md", {
        "envelope-example": "\n".join(_envelope_example()),
        "limits": "\n".join(_limits()),
        "bounds": "\n".join(limits_lines()),
        "reasons": "\n".join(_reasons()),
        "topics": "\n".join(_topic_lines()),
        "job-records": "\n".join(_job_record_lines()),
        "messages": "\n".join(_message_lines()),
        "vectors": "\n".join(_vector_lines()),
    })


def render_police() -> str:
    from hub.police.verify_report import PROBLEM_CODES

    lines = ["| Code | What it means |", "|---|---|"]
    lines += [f"| `{code}` | {text} |" for code, text in PROBLEM_CODES.items()]
    return fill(ROOT / "docs" / "police.md", {"verify-problems": "\n".join(lines)})


def _envelope_example() -> list[str]:
    return ["```json",
            json.dumps(msgspec.to_builtins(Envelope(v=1, id="01JGZ0000000000000000000AA", sender="kit-001", seq=42,
                                                    ts=1767225600000, type="kit.record", body={"...": "..."},
                                                    sig="<base64 Ed25519 signature>")), indent=2, ensure_ascii=False),
            "```"]


def _limits() -> list[str]:
    from hub.ingest.ingest import MIN_TS_MS
    from hub.ingest.uploads import CONTENT_TYPES, MAX_OPEN_UPLOADS, MAX_UPLOAD_BYTES, UPLOAD_KINDS
    from protocol import CONTRACT_VERSION, PROTOCOL_VERSION, TOPIC_ROOT
    from protocol.canonical import MAX_SAFE_INTEGER
    from protocol.envelope import DIGEST_BOUND
    from protocol.ids import ULID_RE
    from protocol.limits import FRAME_HEADER_BYTES, MAX_CHUNK_BYTES, MAX_MESSAGE_BYTES
    from protocol.messages.media import DEFAULT_CHUNK_SIZE

    kinds = "; ".join(f"`{k}` ({' or '.join(roles)}, {'names its order' if order else 'names no order'})"
                      for k, (roles, order) in UPLOAD_KINDS.items())
    rows = [
        ("Contract version", f"{CONTRACT_VERSION} (media chunks as binary frames, section 7)"),
        ("Protocol version `v`", f"`{PROTOCOL_VERSION}`; topics under `{TOPIC_ROOT}/`"),
        ("Largest message (wire bytes)", f"{MAX_MESSAGE_BYTES:,} (1 MiB)"),
        ("Message id", f"`{ULID_RE.pattern}` (26 upper-case Crockford base32 characters)"),
        ("`ts`", f"integer milliseconds since 1970-01-01T00:00Z, at least {MIN_TS_MS:,}"),
        ("Integers anywhere", f"within +-{MAX_SAFE_INTEGER:,} (2**53 - 1)"),
        ("Left out of the signed bytes", ", ".join(f"`{t}`: `body.{f}` (bound by the signed `body.{d}`)"
                                                   for t, (f, d) in DIGEST_BOUND.items())),
        ("Default chunk size", f"{DEFAULT_CHUNK_SIZE:,} bytes"),
        ("Largest chunk (`chunk_size`)", f"{MAX_CHUNK_BYTES:,} bytes (a frame's bytes and header fit one message)"),
        ("Chunk frame header", f"at most {FRAME_HEADER_BYTES:,} bytes, one line"),
        ("Upload kinds (customers, operators)", kinds),
        ("Upload content types", ", ".join(f"`{c}`" for c in CONTENT_TYPES)),
        ("Largest upload", f"{MAX_UPLOAD_BYTES:,} bytes"),
        ("Open (incomplete) uploads per sender", f"{MAX_OPEN_UPLOADS}; `media.cancel` frees one"),
    ]
    return ["| Limit | Value |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows]


def _reasons() -> list[str]:
    from protocol.errors import Reason
    from protocol.reasons import MEANING

    out = ["| Reason | What happened | What to do |", "|---|---|---|"]
    for r in Reason:
        what, todo = MEANING[r]
        out.append(f"| `{r.value}` | {what} | {todo} |")
    return out


def _vector_lines() -> list[str]:
    from lockwarden.vectors import build

    out = ["| File | What it checks |", "|---|---|"]
    for name, text in build().items():
        out.append(f"| [`docs/vectors/{name}`](vectors/{name}) | {json.loads(text)['description']} |")
    return out


def _message_lines() -> list[str]:
    from protocol.envelope import DIGEST_BOUND

    out: list[str] = []
    for name in sorted(MESSAGES):
        spec = MESSAGES[name]
        example = msgspec.to_builtins(spec.example())
        signed = (f"the envelope without `sig` and without `body.{DIGEST_BOUND[name][0]}` (bound by the signed "
                  f"`body.{DIGEST_BOUND[name][1]}`)" if name in DIGEST_BOUND else "the whole envelope without `sig`")
        out += [f"### {name}", "", f"Sent by: {spec.sender}. {spec.summary}", "", f"Signed bytes: {signed}.", "",
                "```json", json.dumps(example, indent=2, ensure_ascii=False), "```", ""]
    return out


def _topic_lines() -> list[str]:
    out: list[str] = []
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


def render_operators() -> str:
    from lockwarden.docs_labels import reference_lines

    return fill(ROOT / "docs" / "operators.md", {"labels": "\n".join(reference_lines())})


RENDERERS: dict[str, Callable[[], str]] = {"docs/mqtt.md": render_mqtt, "docs/police.md": render_police,
                                           "docs/operators.md": render_operators}
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
    from lockwarden.vectors import write_all

    for path in write_all():  # first: the vectors table in docs/mqtt.md lists them
        print(f"wrote {path}")
    for path, text in all_docs().items():
        (ROOT / path).write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
