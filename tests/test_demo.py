"""`make demo` is one of the README's two commands: it must run end to end and exit 0."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    env = dict(os.environ, LOCKWARDEN_DEMO_DIR=str(tmp_path), LOCKWARDEN_LANG="en", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "lockwarden", "demo"], env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "every part held" in proc.stdout
    assert (tmp_path / "hub" / "hub.db").exists()
    # police-verify with the pinned hub key and the police's own acknowledgement record (issue 15), and the
    # JavaScript verifier written from docs/police.md, agree that the demo's export is whole.
    assert "police-verify" not in proc.stdout or "FAILED" not in proc.stdout
    if shutil.which("node"):
        assert "second implementation (js/verify-export.mjs, written from docs/police.md): OK" in proc.stdout
