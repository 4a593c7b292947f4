"""Where the sandbox keeps everything in its folder, and the few facts a reopening needs (sandbox.json)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lockwarden.demo.city import LOCKSMITHS

KIT_IDS = tuple(LOCKSMITHS)  # kit-001.. with their locksmiths, the demo's city
OPERATOR = "op-sandbox"


@dataclass
class State:
    """Ports chosen once (a reopened sandbox serves at the same addresses) and what was set up."""

    broker_port: int = 0
    web_port: int = 0
    pay_port: int = 0
    kits: list[str] = field(default_factory=list)
    locksmiths: dict[str, str] = field(default_factory=dict)  # kit -> locksmith id
    customers: int = 0  # simulated customers so far (their phone numbers count on from here)


@dataclass(frozen=True)
class Layout:
    dir: Path

    @property
    def hub(self) -> Path:
        return self.dir / "hub"

    @property
    def principals(self) -> Path:
        return self.dir / "principals"

    @property
    def operator_toml(self) -> Path:
        return self.principals / "operator.toml"

    @property
    def station(self) -> Path:
        return self.dir / "police" / "station"

    @property
    def export(self) -> Path:
        return self.dir / "police" / "export"

    @property
    def logs(self) -> Path:
        return self.dir / "logs"

    @property
    def sms_log(self) -> Path:
        return self.dir / "sms.log"

    @property
    def web_toml(self) -> Path:
        return self.dir / "customer-web.toml"

    @property
    def pids(self) -> Path:
        """The running sandbox's processes (supervisor, each child and its process group), for people and tests."""
        return self.dir / "sandbox.pids.json"

    def kit(self, kit_id: str) -> Path:
        return self.dir / "kits" / kit_id

    def finger_socket(self, kit_id: str) -> Path:
        return self.kit(kit_id) / "fingerprint.sock"

    def gnss_socket(self, kit_id: str) -> Path:
        return self.kit(kit_id) / "gnss.sock"

    @property
    def state_file(self) -> Path:
        return self.dir / "sandbox.json"

    def load(self) -> State | None:
        if not self.state_file.exists():
            return None
        return State(**json.loads(self.state_file.read_text(encoding="utf-8")))

    def save(self, state: State) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(state), ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(self.state_file)


def finger(kit_id: str) -> str:
    """The name of the locksmith's enrolled finger on the emulated sensor (`place NAME`)."""
    return f"{kit_id}-locksmith/right-index"
