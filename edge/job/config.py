"""The on-site job's settings: `job.toml` in the kit directory, beside the service's `kit.toml`.

`kit.toml` (edge.settings.KitSettings, written by provisioning) says who the kit is, where its store is
and, in its `[hardware]` table, where the sensor, camera and GNSS receiver are (edge.hardware.config:
pty paths when emulated). `job.toml` holds what only the job flow needs: its policy and the locksmiths who
may log in on this kit. Unknown keys are refused, so a typo is an error and not a silent default.

    [job]
    arrival_max_distance_m = 200

    [[locksmiths]]
    locksmith_id = "ls-0001"
    name = "李建国"
    work_no = "BJ-KS-0001"
    fingerprint_slots = [0, 1, 2]
    pin_hash = "scrypt$16384$8$1$...$..."   # lockwarden kit pin-hash
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import msgspec

from protocol.i18n import _
from protocol.settings import SettingsError

JOB_CONFIG_NAME = "job.toml"


class JobSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    arrival_max_distance_m: float = 200.0
    """Farther than this from the site at arrival: allowed, but the arrival record is flagged."""
    code_max_attempts: int = 5
    """Wrong service codes allowed per order before the kit stops accepting codes (call the hub)."""
    pin_max_attempts: int = 5
    """Wrong PINs in a row before PIN login is refused (fingerprint still works)."""
    fingerprint_min_score: int = 0
    """Kit policy on top of the driver's `fingerprint.match_threshold` (0: the driver's alone)."""
    start_requires_upload: bool = True
    """R-8 "uploads them; only then may the job start": the video (the job's start) waits until the hub has
    acknowledged the customer's photo, ID photo and fingerprint. The hub enforces it too (its setting
    `start_requires_upload`): a start recorded before they arrived is refused there. False lets a kit
    without network on site go on, for a hub whose operator switched its own check off as well."""
    fix_wait_s: float = 3.0
    """How long a step waits for a GNSS fix before it is recorded without a position."""
    personal_retention_s: float = 86400.0
    """How long the customer's personal data (name, phone, address, ID number) stays on the kit after the
    hub acknowledged all of the job's evidence; then it is erased from the kit (edge/job/purge.py)."""
    session_idle_s: float = 900.0
    """A login ends after this long without a step or an answer on the kit (the locksmith logs in again)."""


class LocksmithProfile(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    locksmith_id: str
    """The hub's locksmith id (R-2)."""
    name: str
    work_no: str
    """Work number printed on the unlock registration form."""
    id_number: str = ""
    """Resident ID number; appears in full only on the sealed police copy of the form."""
    unit: str = ""
    """The unit (company or sole trader) the locksmith works for."""
    fingerprint_slots: list[int] = []
    """Slots of the sensor's library holding this locksmith's enrolled fingers."""
    pin_hash: str = ""
    """Salted scrypt hash of the fallback PIN (`lockwarden kit pin-hash`); empty: no PIN login."""
    password_hash: str = ""
    """Salted scrypt hash of a password (`lockwarden kit pin-hash --password`); empty: no password login."""
    pattern_hash: str = ""
    """Salted scrypt hash of a touchscreen pattern (`lockwarden kit pin-hash --pattern 1-5-9-6`); empty: none."""


class JobConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    job: JobSettings = msgspec.field(default_factory=JobSettings)
    locksmiths: list[LocksmithProfile] = []

    def locksmith(self, locksmith_id: str) -> LocksmithProfile | None:
        return next((ls for ls in self.locksmiths if ls.locksmith_id == locksmith_id), None)


class ConfigError(SettingsError):
    """job.toml is invalid (a SettingsError: the CLI says it in one line, exit 2)."""


def load_job_config(path: Path) -> JobConfig:
    """`path` is the file or the kit directory holding `job.toml`; a missing file means defaults."""
    if path.is_dir():
        path = path / JOB_CONFIG_NAME
    if not path.exists():
        return JobConfig()
    try:
        return msgspec.convert(tomllib.loads(path.read_text(encoding="utf-8")), JobConfig)
    except (tomllib.TOMLDecodeError, msgspec.ValidationError) as exc:
        raise ConfigError(_("Job settings {path} are invalid: {error}").format(path=path, error=exc)) from exc
