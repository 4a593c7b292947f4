"""Every text the customer web app shows has a Simplified Chinese translation (templates, the app's messages
and its label tables are not seen by scripts/check_translations.py, which reads `_()` calls)."""

from __future__ import annotations

import re
from pathlib import Path

from lockwarden.customer_web.views import GRADE_LABELS, STATE_LABELS
from protocol.i18n import load

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "lockwarden" / "customer_web"


def web_msgids() -> set[str]:
    found: set[str] = set()
    for tpl in (WEB / "templates").glob("*.html"):
        text = tpl.read_text(encoding="utf-8")
        found |= set(re.findall(r"\bt\(\s*\"([^\"]+)\"", text))
        found |= set(re.findall(r"\bt\(\s*'([^']+)'", text))
        found |= set(re.findall(r"\(\"[\w+]+\", \"([A-Z][^\"]+)\"\)", text))  # (value, label) option lists
    found |= set(re.findall(r"page\.t\(\"([^\"]+)\"\)", (WEB / "app.py").read_text(encoding="utf-8")))
    return found | set(STATE_LABELS.values()) | set(GRADE_LABELS.values())


def test_every_web_text_is_translated() -> None:
    zh = load("zh_CN")
    ids = web_msgids()
    assert len(ids) > 60
    missing = sorted(m for m in ids if zh.gettext(m) == m)
    assert not missing, missing
