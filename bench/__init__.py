"""Benchmarks: each `bench_<area>.py` has `run() -> list[Row]`; `python -m bench` prints them all."""
