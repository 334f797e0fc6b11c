"""``python -m fgcourse.experiments run --grid NAME --cache DIR --jobs N [--backend dask [--scheduler ADDRESS]]
[--out FILE.csv]``: run a named grid through its cache; the last line is ``computed N, cached M``,
followed by ``, recomputed K damaged entries`` when some entries were incomplete or unreadable."""

from __future__ import annotations

import argparse
import sys

from fgcourse.experiments.grid import GRIDS
from fgcourse.experiments.runner import BACKENDS, run_grid


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m fgcourse.experiments", description=__doc__.split("\n")[0])
    commands = main.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a grid, computing only the batches its cache lacks")
    run.add_argument("--grid", required=True, choices=tuple(GRIDS), help="the named grid")
    run.add_argument("--cache", required=True, help="the cache directory (created if needed)")
    run.add_argument("--jobs", type=int, default=1, help="batches computed at once (default 1)")
    run.add_argument("--backend", default="joblib", choices=BACKENDS, help="joblib processes or dask.distributed")
    run.add_argument("--scheduler", default=None, help="a dask scheduler address (default: a LocalCluster)")
    run.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the scheduler (default 10)")
    run.add_argument("--out", default=None, help="write the table to this CSV file (.csv.gz compresses)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    return main


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        table = run_grid(args.grid, args.cache, n_jobs=args.jobs, backend=args.backend, scheduler=args.scheduler,
                         timeout=args.timeout, progress=not args.no_progress)
    except (TypeError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.out:
        table.to_csv(args.out, index=False)
        print(f"wrote {len(table)} runs to {args.out}")
    damaged = table.attrs["recomputed"]
    note = f", recomputed {damaged} damaged {'entry' if damaged == 1 else 'entries'}" if damaged else ""
    print(f"computed {table.attrs['computed']}, cached {table.attrs['cached']}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
