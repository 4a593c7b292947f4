"""Filings registry: units (R-1), locksmiths (R-2), their kits, fingerprints, scope and service area."""
