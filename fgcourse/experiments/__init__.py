"""Experiments at scale: the sources' test-function study as a cached, parallel grid.

- :mod:`~fgcourse.experiments.grid` -- grids (functions × dimensions × optimizers × gradients
  × starts × repeats), cut into batches; the named grids ``smoke`` and ``paper``;
- :mod:`~fgcourse.experiments.runner` -- :func:`run_grid`: joblib or dask.distributed, a
  progress bar, an on-disk cache keyed by the configuration and the library version;
- :mod:`~fgcourse.experiments.stored` -- the stored table: :func:`load_table`, and
  :func:`check_rerun`, which recomputes some batches and compares them with it;
- :mod:`~fgcourse.experiments.profiles` -- performance and accuracy profiles of its table, and
  the readings of it the chapter prints;
- :mod:`~fgcourse.experiments.studies` -- the chapter's other computations: runs from random
  starts in the plane, the hyperellipsoid across dimensions, batch mode;
- :mod:`~fgcourse.experiments.plots` -- the figures of the chapter "Experiments".

From a shell: ``python -m fgcourse.experiments run --grid smoke --cache DIR --jobs 2``.
"""

from fgcourse.experiments.grid import (
    GRADIENTS,
    GRIDS,
    PAPER_DIMS,
    PAPER_MAX_ITER,
    PAPER_SEED,
    Batch,
    Grid,
    get_grid,
    make_grid,
    optimizer_names,
    starts,
)
from fgcourse.experiments.plots import (
    draw_accuracy_profiles,
    draw_performance_profiles,
    draw_profile_page,
)
from fgcourse.experiments.profiles import (
    SOLVER_SETS,
    accuracy_inputs,
    accuracy_profile,
    performance_profile,
    profile_summary,
    profile_times,
    solver_order,
    solver_table,
)
from fgcourse.experiments.runner import BACKENDS, COLUMNS, RUN_STATUSES, compute_batch, run_grid
from fgcourse.experiments.stored import (
    RERUN_TOLERANCES,
    RUN_KEYS,
    STABLE_RTOL,
    GridDrift,
    check_rerun,
    level_drift,
    load_table,
    quick_batches,
    rerun_batches,
    stable_batches,
)

__all__ = [
    "GRADIENTS", "GRIDS", "optimizer_names", "PAPER_DIMS", "PAPER_MAX_ITER", "PAPER_SEED", "Batch", "Grid", "get_grid",
    "make_grid",
    "starts", "solver_order", "accuracy_inputs", "accuracy_profile", "performance_profile", "solver_table",
    "BACKENDS", "COLUMNS", "RUN_STATUSES", "compute_batch", "run_grid",
    "SOLVER_SETS", "draw_accuracy_profiles", "draw_performance_profiles", "draw_profile_page", "profile_summary",
    "profile_times", "RERUN_TOLERANCES", "RUN_KEYS", "check_rerun", "load_table", "quick_batches", "rerun_batches",
    "GridDrift", "level_drift", "STABLE_RTOL", "stable_batches",
]
