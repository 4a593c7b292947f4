"""The emulated sensor's non-volatile memory (template library, password, address, parameters, notepad),
optionally kept in a JSON file so a kit "reboot" (a new emulator on the same file) keeps it."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from edge.hardware.fingerprint.models import SensorModel
from edge.hardware.fingerprint.protocol import DEFAULT_ADDRESS


@dataclass
class Flash:
    model: SensorModel
    templates: dict[int, bytes] = field(default_factory=dict)
    password: int = 0
    address: int = DEFAULT_ADDRESS
    security_level: int = 3
    packet_size_code: int = 2
    baud_n: int = 6
    notepad: dict[int, bytes] = field(default_factory=dict)
    path: Path | None = None

    @classmethod
    def open(cls, model: SensorModel, path: str | os.PathLike[str] | None = None) -> Flash:
        flash = cls(
            model=model,
            security_level=model.security_level,
            packet_size_code=model.packet_size_code,
            baud_n=model.baud_n,
            path=Path(path) if path is not None else None,
        )
        if flash.path is not None and flash.path.exists():
            data = json.loads(flash.path.read_text())
            if data.get("model") != model.name:
                raise ValueError(f"{flash.path} holds a {data.get('model')} library, not {model.name}")
            flash.templates = {int(k): base64.b64decode(v) for k, v in data["templates"].items()}
            flash.notepad = {int(k): base64.b64decode(v) for k, v in data.get("notepad", {}).items()}
            flash.password = data["password"]
            flash.address = data["address"]
            flash.security_level = data["security_level"]
            flash.packet_size_code = data["packet_size_code"]
            flash.baud_n = data["baud_n"]
        return flash

    def save(self) -> None:
        """Write atomically (temporary file, fsync, rename) so a power cut leaves the old or the new file."""
        if self.path is None:
            return
        data = {
            "format": "lockwarden-fingerprint-emulator/1",
            "model": self.model.name,
            "password": self.password,
            "address": self.address,
            "security_level": self.security_level,
            "packet_size_code": self.packet_size_code,
            "baud_n": self.baud_n,
            "templates": {str(k): base64.b64encode(v).decode() for k, v in sorted(self.templates.items())},
            "notepad": {str(k): base64.b64encode(v).decode() for k, v in sorted(self.notepad.items())},
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w") as fh:
            json.dump(data, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
