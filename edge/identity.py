"""Who this kit is and whom it trusts: its signing key and the hub's pinned public keys."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from protocol.keys import SigningKey


@dataclass(frozen=True)
class KitIdentity:
    kit_id: str
    key: SigningKey
    hub_verify: Ed25519PublicKey  # pinned at provisioning: downlink not signed by it is refused
    hub_sealing: X25519PublicKey  # biometrics and ID images are sealed to it on capture
    hub_id: str = "hub"
