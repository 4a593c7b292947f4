"""`make demo` is one of the README's two commands: it must run end to end, exit 0, and read as a story a
stranger can follow: the acts' headings in order, people by name, money in yuan, no raw enum values, ids or
full ID numbers. The run is in Chinese, the default; the story's English is checked without a run below."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lockwarden.demo.run import ACTS, CITY
from lockwarden.demo.story import Story, duration
from protocol import labels
from protocol.i18n import load, set_language

ROOT = Path(__file__).resolve().parents[1]
ZH = load("zh_CN")

ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")  # a resident ID number, whole
ULID = re.compile(r"(?<![0-9A-Z])[0-9A-HJKMNP-TV-Z]{26}(?![0-9A-Z])")  # an order, offer or decision id
FEN = re.compile(r"\bfen\b|\d\s*分(?![钟块])")  # money in fen ("分钟" is minutes, "分块" chunks)


def zh(msgid: str) -> str:
    return ZH.gettext(msgid)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    where = tmp_path_factory.mktemp("demo")
    env = dict(os.environ, LOCKWARDEN_DEMO_DIR=str(where), LOCKWARDEN_LANG="zh_CN", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "lockwarden", "demo"], env=env, capture_output=True, text=True,
                          timeout=600)
    return proc, where


def test_demo_runs_end_to_end(demo: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    proc, where = demo
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert zh("Demo finished: every part held.") in proc.stdout
    assert (where / "hub" / "hub.db").exists()
    # police-verify with the pinned hub key and the police's own acknowledgement record (issue 15), and the
    # JavaScript verifier written from docs/police.md, agree that the demo's export is whole.
    if shutil.which("node"):
        assert "js/verify-export.mjs" in proc.stdout and "：OK，" in proc.stdout
    # the kits' videos went as frames, each byte hashed once at the hub: through its file's SHA-256
    hashed = re.search(r"平台对每个字节只计算一次哈希：(\d+) 个分块经所属文件的 SHA-256 核验", proc.stdout)
    assert hashed is not None and int(hashed.group(1)) > 0, proc.stdout[:3000]


def test_the_acts_are_told_in_order_each_under_its_heading(demo: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    headings = [line for line in demo[0].stdout.splitlines() if line.startswith("== ")]
    expected = [zh("== Act {n}: {title} ==").format(n=n, title=zh(title))
                for n, title in enumerate([CITY] + [t for t, _act in ACTS], start=1)]
    assert headings == expected + [zh("== {title} ==").format(title=zh("The end"))]
    assert all(zh(title) != title for title in [CITY] + [t for t, _act in ACTS]), "an act heading is untranslated"


def test_no_raw_values_ids_or_fen(demo: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    out = demo[0].stdout
    prose = re.sub(r"`[^`\n]*`", "", out)  # a command to type (`lockwarden hub status`) is not a value shown
    raw = sorted({value for table in labels.TABLES.values() for value in table
                  if re.search(rf"(?<![\w./:-]){re.escape(value)}(?![\w/:-])", prose)})
    assert not raw, f"raw enum values in the demo's output: {raw}"
    assert not ID_NUMBER.findall(out), "a full resident ID number in the demo's output"
    assert not ULID.findall(out), f"raw ids in the demo's output: {ULID.findall(out)[:3]}"
    assert not FEN.findall(out), f"money in fen: {[ln for ln in out.splitlines() if FEN.search(ln)][:3]}"
    assert "¥250.00" in out  # the customers' payments, in yuan


def test_offers_of_another_order_are_asides_naming_it(demo: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    """The hub retries an unassigned order while later acts are told: each of its offers is an aside naming
    that order and its customer, never a bare offer line in an unrelated scene."""
    offer = zh("    the hub offers the job to {name} ({grade}, {eta} away): {word}").split("{name}")[0]
    # the lines that tell a new order (its number), in Chinese: "...申请开锁...：订单 N 号", "...拨打热线...：订单 N 号"
    asked = re.compile(r"(申请开锁|拨打热线).*订单 \d+ 号$")
    asides = 0
    told_order = False
    for line in demo[0].stdout.splitlines():
        if line.startswith(("== ", " * ")):
            told_order = False  # a new act or scene: its offers need their own order told first
        elif asked.search(line):
            told_order = True
        elif line.startswith(offer):
            assert told_order, f"an offer told outside its order's scene: {line!r}"
        if "（与此同时，" in line:
            asides += 1
            assert re.search(r"订单 \d+ 号（\w+）", line), line
    assert asides, "the unassigned order's retries were not told"


def test_the_story_reads_in_english_too() -> None:
    """The same words in English: durations as people say them, the aside naming its order."""
    lines: list[str] = []
    story = Story(lines.append)
    story._lookup = lambda order_id: (3, "刘洋") if order_id == "X" else None
    try:
        set_language("en")
        assert [duration(31), duration(1013), duration(3 * 86_400)] == ["31 seconds", "17 minutes", "3 days"]
        assert labels.yuan(1250) == "¥12.50"
        story.section("The police")
        story.aside("X", "dispatch tries again")
        assert lines == ["", "== Act 1: The police ==", "    (meanwhile, order No. 3 (刘洋): dispatch tries again)"]
        set_language("zh_CN")
        assert duration(1013) == "17 分钟"
        assert story.orders("X") == "订单 3 号（刘洋）"
    finally:
        set_language()
