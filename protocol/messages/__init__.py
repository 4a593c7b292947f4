"""Message bodies, one module per family. Importing this package registers every type."""

from protocol.messages import ack, customer, events, job, kit, media, ops, police  # noqa: F401
