"""`make bench`: every figure beside its raw baseline measured in the same run, with the ratio.

`python -m bench [AREA ...]` runs only the named areas (spine, dispatch, hardware, police).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback

import bench

Row = tuple[str, float, str, float, str]


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    if argv:
        names = [n for n in names if n.removeprefix("bench_") in argv]
    failed = 0
    for name in names:
        print(f"\n== {name.removeprefix('bench_')} ==", flush=True)
        started = time.monotonic()
        try:
            rows: list[Row] = importlib.import_module(f"bench.{name}").run()
        except Exception:
            traceback.print_exc()
            failed += 1
            continue
        width = max((len(r[0]) for r in rows), default=10)
        for figure, value, unit, base, base_name in rows:
            ratio = f"{value / base:6.2f}x" if base else "   n/a"
            print(f"  {figure:<{width}}  {value:>12,.2f} {unit:<8}  baseline {base:>12,.2f}  ({base_name})  ratio {ratio}",
                  flush=True)
        print(f"  ({time.monotonic() - started:.0f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
