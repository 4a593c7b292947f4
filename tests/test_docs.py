"""The contract docs are rendered from their single sources; a committed doc that drifted is a failure."""

from __future__ import annotations

from pathlib import Path

from lockwarden.docs_render import all_docs

ROOT = Path(__file__).resolve().parents[1]


def test_generated_docs_are_current() -> None:
    stale = [path for path, text in all_docs().items() if (ROOT / path).read_text(encoding="utf-8") != text]
    assert not stale, f"run `make docs`: {stale} differ from their sources"


def test_every_topic_and_message_type_is_documented() -> None:
    from protocol.registry import MESSAGES
    from protocol.topics import TOPICS

    doc = (ROOT / "docs" / "mqtt.md").read_text(encoding="utf-8")
    for t in TOPICS:
        assert t.pattern.split("{")[0] in doc
    for name in MESSAGES:
        assert f"### {name}\n" in doc
