"""Dispatch: candidates (R-4), the three rules and 30 s offers (R-5), customer confirmation (R-6)."""
