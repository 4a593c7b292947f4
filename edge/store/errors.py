from __future__ import annotations


class StoreError(Exception):
    """A capture the store refused; `str()` is a message for the locksmith (already translated)."""


class StoreFull(StoreError):
    pass


class StoreCorrupt(StoreError):
    pass
