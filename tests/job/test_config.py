"""job.toml: typed, documented, unknown keys refused; a missing file means the defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.job.config import ConfigError, JobConfig, load_job_config


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_job_config(tmp_path) == JobConfig()


def test_reads_settings_and_locksmiths(tmp_path: Path) -> None:
    (tmp_path / "job.toml").write_text(
        '[job]\narrival_max_distance_m = 80\n\n[[locksmiths]]\nlocksmith_id = "ls-1"\nname = "A"\nwork_no = "W1"\n'
        'fingerprint_slots = [4, 5]\n', encoding="utf-8")
    cfg = load_job_config(tmp_path)
    assert cfg.job.arrival_max_distance_m == 80 and cfg.job.code_max_attempts == 5
    profile = cfg.locksmith("ls-1")
    assert profile is not None and profile.fingerprint_slots == [4, 5]


@pytest.mark.parametrize("text", ['[job]\narival_max_distance_m = 80\n', 'colour = "red"\n',
                                  '[[locksmiths]]\nlocksmith_id = "x"\nname = "A"\nwork_no = "W"\npin = "1234"\n',
                                  '[job]\narrival_max_distance_m = "far"\n', '[job\n'])
def test_typos_and_wrong_types_are_errors(tmp_path: Path, text: str) -> None:
    (tmp_path / "job.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_job_config(tmp_path / "job.toml")
