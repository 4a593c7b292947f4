"""Message bodies, one module per family. Importing this package registers every type."""

from protocol.messages import ack, kit, media  # noqa: F401
