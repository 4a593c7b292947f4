"""The kit's local store: the source of truth for every capture until the hub says it stored it."""

from edge.store.errors import StoreCorrupt, StoreError, StoreFull
from edge.store.kitstore import KitStore, StoredFile, StoredRecord

__all__ = ["KitStore", "StoreCorrupt", "StoreError", "StoreFull", "StoredFile", "StoredRecord"]
