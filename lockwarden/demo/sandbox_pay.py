"""A payment provider for the demo: the simulated customers' app payments. It keeps its own ledger of
what the customers paid, so the hub's `confirm` is a real question with a real answer, not a yes."""

from __future__ import annotations

import threading


class SandboxPay:
    name = "sandbox_pay"

    def __init__(self) -> None:
        self.paid: dict[str, int] = {}
        self.refunds: list[tuple[str, int]] = []
        self._lock = threading.Lock()

    def pay(self, external_ref: str, amount_fen: int) -> str:
        """The customer's app pays; returns the provider's reference the app passes to the hub."""
        with self._lock:
            self.paid[external_ref] = amount_fen
        return external_ref

    def confirm(self, external_ref: str, amount_fen: int) -> bool:
        with self._lock:
            return self.paid.get(external_ref) == amount_fen

    def refund(self, external_ref: str, amount_fen: int) -> str:
        with self._lock:
            self.refunds.append((external_ref, amount_fen))
            # one reference per refund, as a real provider gives: a payment may be refunded in parts
            return f"sandbox-refund:{external_ref}:{len(self.refunds)}"


SANDBOX = SandboxPay()
