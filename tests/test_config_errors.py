"""Every configuration file an installer writes, wrong in each way a person gets it wrong: the CLI says
what and where in one line on stderr and exits 2, never a traceback (issue 12)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.home import init_hub
from hub.provisioning import provision_kit

ROOT = Path(__file__).resolve().parents[1]


def _lw(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), LOCKWARDEN_LANG="en")
    return subprocess.run([sys.executable, "-m", "lockwarden", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    home = init_hub(root / "hub")
    provision_kit(home, "kit-a", root / "kit")
    (root / "hub.toml.good").write_text((root / "hub" / "hub.toml").read_text())
    (root / "kit.toml.good").write_text((root / "kit" / "kit.toml").read_text())
    return root


def _hub(site: Path, text: str) -> None:
    (site / "hub" / "hub.toml").write_text(text)


def _kit(site: Path, text: str) -> None:
    (site / "kit" / "kit.toml").write_text(text)


CASES = [
    # (name, prepare(site), argv, words the line must contain)
    ("hub.toml unknown key", lambda s: _hub(s, "bogus = 1\n" + (s / "hub.toml.good").read_text()),
     ["hub", "status", "--dir", "hub"], ["hub.toml", "bogus"]),
    ("hub.toml bad TOML", lambda s: _hub(s, "[broker\n"), ["hub", "run", "--dir", "hub"], ["hub.toml", "line 1"]),
    ("hub.toml wrong type", lambda s: _hub(s, (s / "hub.toml.good").read_text().replace(
        "batch_max = 500", 'batch_max = "many"')), ["hub", "run", "--dir", "hub"], ["hub.toml", "batch_max"]),
    ("hub.toml missing", lambda s: None, ["hub", "run", "--dir", "nohub"], ["nohub/hub.toml"]),
    ("broker render on a bad hub.toml", lambda s: _hub(s, "[metrics]\nport = -\n"),
     ["broker", "--render-only", "--hub-dir", "hub"], ["hub.toml"]),
    ("kit.toml unknown key", lambda s: _kit(s, "colour = 'red'\n" + (s / "kit.toml.good").read_text()),
     ["kit", "run", "--dir", "kit"], ["kit.toml", "colour"]),
    ("kit.toml missing", lambda s: None, ["kit", "status", "--dir", "nokit"], ["nokit/kit.toml"]),
    ("hardware section unknown key", lambda s: _kit(s, (s / "kit.toml.good").read_text()
                                                     + "\n[hardware.gnss]\nbackend = \"emulator\"\nbaud_rate = 9600\n"),
     ["kit", "run", "--dir", "kit"], ["hardware", "baud_rate"]),
    ("job.toml wrong type", lambda s: ((s / "kit" / "job.toml").write_text("[job]\narrival_max_distance_m = 'far'\n"),
                                      _kit(s, (s / "kit.toml.good").read_text())),
     ["kit", "job", "list", "--dir", "kit"], ["job.toml"]),
    ("operator.toml missing", lambda s: None, ["console", "--config", "nothere.toml"], ["nothere.toml"]),
    ("operator.toml bad TOML", lambda s: (s / "op.toml").write_text("x = \n"), ["console", "--config", "op.toml"],
     ["op.toml", "line 1"]),
    ("police hub key missing", lambda s: None, ["police-verify", ".", "--hub-key", "nothere.pub"], ["nothere.pub"]),
    ("police sealing key missing", lambda s: None, ["police-open", ".", "--order", "o-1", "--key", "nokey", "--out", "opened"],
     ["--key", "nokey"]),
    ("police desk key malformed", lambda s: ((s / "desk.key").write_text("%%%\n"), (s / "hub.pub").write_text("x\n")),
     ["police-decide", "--police-key", "desk.key", "--hub-key", "hub.pub", "--order", "o-1", "--case", "c",
      "--reason", "r", "--port", "1"], ["--police-key", "desk.key"]),
    ("police hub key malformed", lambda s: (s / "bad.pub").write_text("garbage\n"),
     ["police-verify", ".", "--hub-key", "bad.pub"], ["bad.pub"]),
]


@pytest.mark.parametrize("name,prepare,argv,words", CASES, ids=[c[0] for c in CASES])
def test_a_bad_config_is_one_line_and_exit_2(site: Path, name: str, prepare, argv: list[str],  # type: ignore[no-untyped-def]
                                              words: list[str]) -> None:
    prepare(site)
    try:
        proc = _lw(site, *argv)
    finally:
        _hub(site, (site / "hub.toml.good").read_text())
        _kit(site, (site / "kit.toml.good").read_text())
        (site / "kit" / "job.toml").unlink(missing_ok=True)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert len(lines) == 1, proc.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_a_broken_hardware_file_is_a_settings_error(tmp_path: Path) -> None:
    from edge.hardware.config import load
    from protocol.settings import SettingsError

    (tmp_path / "hardware.toml").write_text("[gnss]\nport = 5\n")
    with pytest.raises(SettingsError, match=r"hardware.toml: .*port"):
        load(tmp_path / "hardware.toml")
    (tmp_path / "hardware.toml").write_text("[gnss\n")
    with pytest.raises(SettingsError, match="hardware.toml"):
        load(tmp_path / "hardware.toml")
