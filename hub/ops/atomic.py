"""One unit of work per incoming message: the change, its answer and its follow-on messages are written
together, and a refusal leaves nothing behind except what a CommittedRefusal keeps.

Alone, a message is one transaction (one disk sync). Inside a caller's transaction it is a savepoint,
so the hub service may group-commit a batch of messages (one sync for many) and still undo exactly the
refused one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import msgspec

from hub.db import Conn, Tx
from hub.registry.errors import CommittedRefusal, DomainError

T = TypeVar("T")


def atomically(conn: Conn, work: Callable[[], T], refused: Callable[[Exception], T],
               after: Callable[[T], object]) -> T:
    """Run `work`, then `after(result)`. On a DomainError or a schema error the work is undone (kept for a
    CommittedRefusal) and `after(refused(exc))` is written instead."""
    with Tx(conn):  # the message: a transaction alone, a savepoint inside the service's batch
        try:
            with Tx(conn, keep=(CommittedRefusal,)):  # the work, undone on its own when refused
                result = work()
        except CommittedRefusal as exc:
            result = refused(exc)
        except (DomainError, msgspec.ValidationError) as exc:
            result = refused(exc)
        after(result)
    return result
