"""`lockwarden demo`: the whole system on one machine, emulated hardware and simulated customers."""
