"""Run every benchmark under bench/ in turn and rewrite their sections of docs/performance.md.

    .venv/bin/python bench/run_all.py [--quick] [--only NAME ...] [--no-write]     (`make bench`)

A benchmark module is any bench/*.py (not starting with "_") that defines NAME and run(quick) -> Outcome;
each one writes only its own `<!-- bench:NAME -->` section, so sections of benchmarks not run stay as
they were. Each measures SQLite (the embedded default) and, when the PostgreSQL and Redis servers of
.ci/services.sh (or BENCH_PG_URL / BENCH_REDIS_URL) answer, PostgreSQL (with Redis) too. A full run takes
about 10–15 minutes on the 2-core machine, `--quick` about 5. The fault and soak test (bench/fault_load.py)
is not a benchmark here: `make fault` / `make soak` run it.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
import _harness as h  # noqa: E402

NOT_BENCHMARKS = {"run_all", "bare_app", "fake_fcm", "seed", "profile_requests", "fault_load"}


def discover() -> list:
    modules = []
    for path in sorted(BENCH_DIR.glob("*.py")):
        if path.stem.startswith("_") or path.stem in NOT_BENCHMARKS:
            continue
        module = importlib.import_module(path.stem)
        if callable(getattr(module, "run", None)) and isinstance(getattr(module, "NAME", None), str):
            modules.append(module)
    return modules


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short measurements and smaller data (about 5 minutes in all)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args(argv)

    modules = [m for m in discover() if not args.only or m.NAME in args.only]
    if not modules:
        print("no benchmark selected", file=sys.stderr)
        return 2
    sections, failed = {}, []
    started = time.monotonic()
    for module in modules:
        print(f"\n=== {module.NAME} ===", flush=True)
        try:
            outcome = module.run(quick=args.quick)
        except Exception:  # one broken benchmark must not cost the others their figures
            traceback.print_exc()
            failed.append(module.NAME)
            continue
        sections[outcome.name] = outcome.section
    if sections and not args.no_write:
        h.update_doc(sections)
        print(f"\nwrote {', '.join(sections)} in {h.DOC_PATH.relative_to(h.ROOT)}")
    print(f"make bench: {time.monotonic() - started:.0f} s in all")
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
