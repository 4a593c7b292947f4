"""The kit config file (TOML) as typed settings: unknown keys are refused, every field is documented.

Example (`firmware_config/kit/job.example.toml` has a full one):

    kit_id = "kit-0001"
    data_dir = "data"                 # relative to this file
    signing_key_file = "keys/kit.key" # the kit's Ed25519 private key (base64, 0600)
    hub_verify_key = "<base64>"       # the hub's Ed25519 public key, pinned
    hub_sealing_key = "<base64>"      # the hub's X25519 public key: biometrics are sealed to it

    [job]
    arrival_max_distance_m = 200

    [[locksmiths]]
    locksmith_id = "ls-0001"
    name = "李建国"
    work_no = "BJ-KS-0001"
    fingerprint_slots = [0, 1, 2]
    pin_hash = "scrypt$16384$8$1$...$..."

    [fingerprint]                     # the sections of edge.hardware.config
    port = "/dev/serial0"

    [gnss]
    port = "/dev/ttyUSB0"

    [camera]
    backend = "pattern"
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import msgspec

from edge.hardware.config import CameraConfig, FingerprintConfig, GnssConfig
from protocol.i18n import _


class JobSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    arrival_max_distance_m: float = 200.0
    """Farther than this from the site at arrival: allowed, but the arrival record is flagged."""
    code_max_attempts: int = 5
    """Wrong service codes allowed per order before the kit stops accepting codes (call the hub)."""
    pin_max_attempts: int = 5
    """Wrong PINs in a row before PIN login is refused (fingerprint still works)."""
    fingerprint_min_score: int = 0
    """Kit policy on top of the driver's `fingerprint.match_threshold` (0: the driver's alone)."""


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


class KitConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    kit_id: str
    """This kit's id (its MQTT username and envelope sender)."""
    data_dir: str = "data"
    """The kit store (kit.db, media/) and job.db; relative paths are from the config file's folder."""
    signing_key_file: str = "keys/kit.key"
    """The kit's Ed25519 private key, base64 (written at provisioning, mode 0600)."""
    hub_verify_key: str = ""
    """The hub's Ed25519 public key (base64), pinned: downlink not signed by it is refused."""
    hub_sealing_key: str = ""
    """The hub's X25519 public key (base64): biometrics, ID images and the form's police copy are sealed to it."""
    job: JobSettings = msgspec.field(default_factory=JobSettings)
    locksmiths: list[LocksmithProfile] = []
    fingerprint: FingerprintConfig = msgspec.field(default_factory=FingerprintConfig)
    """The sensor, as in `edge.hardware.config` (backend serial or emulator, port, threshold, ...)."""
    gnss: GnssConfig = msgspec.field(default_factory=GnssConfig)
    camera: CameraConfig = msgspec.field(default_factory=CameraConfig)
    base_dir: str = ""
    """Set by `load_config` to the config file's folder; relative paths are resolved from it."""

    def path(self, value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() else Path(self.base_dir or ".") / p

    def locksmith(self, locksmith_id: str) -> LocksmithProfile | None:
        return next((ls for ls in self.locksmiths if ls.locksmith_id == locksmith_id), None)

    def locksmith_for_slot(self, slot: int) -> LocksmithProfile | None:
        return next((ls for ls in self.locksmiths if slot in ls.fingerprint_slots), None)


class ConfigError(Exception):
    pass


def load_config(path: Path) -> KitConfig:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        raw["base_dir"] = str(path.resolve().parent)
        return msgspec.convert(raw, KitConfig)
    except FileNotFoundError as exc:
        raise ConfigError(_("Kit config file not found: {path}").format(path=path)) from exc
    except (tomllib.TOMLDecodeError, msgspec.ValidationError) as exc:
        raise ConfigError(_("Kit config {path} is invalid: {error}").format(path=path, error=exc)) from exc
