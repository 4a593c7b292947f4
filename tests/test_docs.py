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


def test_the_labels_reference_names_every_value_in_both_languages() -> None:
    """docs/operators.md's labels reference, rendered from protocol/labels.py: each value with its English
    and Chinese words, each setting with its unit; docs/orders.md reads each state by its label too."""
    from protocol import labels
    from protocol.i18n import load

    zh = load("zh_CN").gettext
    doc = (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    block = doc[doc.index("<!-- BEGIN GENERATED: labels -->"):doc.index("<!-- END GENERATED: labels -->")]
    for table in labels.TABLES.values():
        for value, msgid in table.items():
            assert f"| `{value}` | {msgid} | {zh(msgid)} |" in block, value
    for key, (words, unit, _scale) in labels.SETTINGS.items():
        assert f"| `{key}` | {words} ({unit}) | {zh(words)}（{zh(unit)}） |" in block, key
    orders = (ROOT / "docs" / "orders.md").read_text(encoding="utf-8")
    for state, msgid in labels.ORDER_STATES.items():
        assert f"| `{state}` | {msgid} / {zh(msgid)} |" in orders, state
