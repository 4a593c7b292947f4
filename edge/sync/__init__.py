"""Kit -> hub synchronisation over the transport interface (no paho here)."""

from edge.sync.engine import SyncEngine, SyncSettings

__all__ = ["SyncEngine", "SyncSettings"]
