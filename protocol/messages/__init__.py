"""Message bodies, one module per family. Importing this package registers every type."""

from protocol.messages import (  # noqa: F401
    ack,
    customer,
    events,
    job,
    kit,
    media,
    ops,
    payments,
    police,
    rating,
    tracking,
)
