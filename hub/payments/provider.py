"""The interface every notification-confirmed payment provider implements, and the registry of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class NotificationRefused(Exception):
    """A notification that does not verify (forged, altered, stale, malformed); `reason` is kept."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PaidNotice:
    """What a verified notification says: the provider took `amount_fen` for our `trade_no`."""

    trade_no: str
    provider_txn: str
    amount_fen: int
    success: bool
    nonce: str  # unique per notification; a repeated nonce is a repeated (or replayed) notification


class PayProvider(Protocol):
    name: str

    def pay_url(self, trade_no: str, amount_fen: int, description: str) -> str:
        """Where the customer pays (a pay page, or the provider's prepay link)."""
        ...

    def verify(self, headers: dict[str, str], body: bytes, now_ms: int) -> PaidNotice:
        """Check a notification's signature and freshness and decode it; raise NotificationRefused."""
        ...

    def refund(self, provider_txn: str, amount_fen: int) -> str:
        """Send money back against one of its payments; returns the provider's refund reference."""
        ...


PAY_PROVIDERS: dict[str, PayProvider] = {}


class _LedgerBridge:
    """The ledger's view of a notification provider: refunds go back through it (hub/ledger/refunds.py), and it
    never confirms a payment on a customer's word: its payments are recorded from verified notifications."""

    def __init__(self, provider: PayProvider) -> None:
        self.provider = provider
        self.name = provider.name

    def confirm(self, external_ref: str, amount_fen: int) -> bool:
        return False

    def refund(self, external_ref: str, amount_fen: int) -> str:
        return self.provider.refund(external_ref, amount_fen)


def register(provider: PayProvider) -> None:
    from hub.ledger.payments import register_provider

    PAY_PROVIDERS[provider.name] = provider
    register_provider(_LedgerBridge(provider))
