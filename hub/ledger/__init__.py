"""Escrow ledger: double-entry transfers, holds that resolve once, payment-provider adapters."""
