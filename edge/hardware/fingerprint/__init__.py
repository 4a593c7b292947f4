"""R30x / AS608 / R503 optical fingerprint sensor: protocol, emulator and driver."""

from edge.hardware.fingerprint.errors import FingerprintError

__all__ = ["FingerprintError"]
