"""The summaries the chapter prints from the stored runs, as pandas DataFrames.

Each reads a :class:`~fgcourse.training.runs.RunTable` and reduces the five seeds of a setting to
medians. A run that *blew up* ended "diverged" or "non_finite"; the medians of the final values
are taken over the runs that did not, and the ``score`` of a setting, by which the learning rates
are ranked, is the median final validation loss with a blown-up run counted as +∞ (so that a rate
where most seeds blow up is never the best).

- :func:`final_summary`: the last evaluation of every stored setting with B tangents;
- :func:`best_rates`: each oracle at its own best learning rate, from a :func:`final_summary`;
- :func:`step_seconds`: the CPU time of the runs' 1,000 steps, per oracle;
- :func:`reach_summary`: gao2023gradients's T_f / T_b, backprop and each oracle at chosen rates;
- :func:`budget_summary`: B tangents per step at the same budget of JVPs.
"""

from __future__ import annotations

import numpy as np

from fgcourse._checks import check_instance, check_int, check_option, check_real, check_sequence
from fgcourse._vocabulary import BLOWN_UP
from fgcourse.optim.optimizers import OPTIMIZERS

from .plots import ORACLES, runs_of
from .runs import RunTable, describe_ratio, time_to_reach

__all__ = ["BLOWN_UP", "final_values", "final_summary", "best_rates", "step_seconds", "reach_summary",
           "budget_summary"]

def _table(table) -> RunTable:
    return check_instance("table", table, RunTable, "a RunTable from load_runs()")


def _oracles(oracles) -> tuple[str, ...]:
    return check_sequence("oracles", oracles, lambda name, o: check_option(name, o, tuple(ORACLES)), what="oracles")


def final_values(table: RunTable, runs) -> dict:
    """The last evaluation of the runs ``runs`` of ``table``: ``runs`` (their number), ``blown_up``,
    the medians ``val_loss`` and ``val_accuracy`` over the runs that did not blow up (NaN if all did),
    and ``score``, the median final validation loss with a blown-up run counted as +∞."""
    table = _table(table)
    runs = np.array(check_sequence("runs", runs, lambda name, r: check_int(name, r, minimum=0,
                                                                          maximum=table.num_runs - 1),
                                   what="run indices", min_length=1), dtype=int)
    last = np.array([[table.history(run)[key][-1] for key in ("val_loss", "val_accuracy")] for run in runs])
    blown = np.isin(table.status[runs], BLOWN_UP)
    kept = last[~blown]
    return {"runs": len(runs), "blown_up": int(blown.sum()),
            "val_loss": float(np.median(kept[:, 0])) if kept.size else np.nan,
            "val_accuracy": float(np.median(kept[:, 1])) if kept.size else np.nan,
            "score": float(np.median(np.where(blown, np.inf, last[:, 0])))}


def final_summary(table: RunTable, model: str, *, optimizers=("sgd", "adam"), lrs=None, oracles=tuple(ORACLES),
                  B: int = 1):
    """One row per stored (optimizer, lr, oracle) of ``model`` with ``B`` tangents (backprop: one
    gradient), in that order: the columns of :func:`final_values`. ``lrs=None``: every stored rate."""
    import pandas as pd

    table = _table(table)
    optimizers = check_sequence("optimizers", optimizers, lambda name, o: check_option(name, o, tuple(OPTIMIZERS)),
                                what="optimizers")
    oracles = _oracles(oracles)
    B = check_int("B", B, minimum=1)
    rows = []
    for optimizer in optimizers:
        stored = np.unique(table.lr[table.select(model=model, optimizer=optimizer)])
        chosen = stored if lrs is None else check_sequence("lrs", lrs, check_real, what="learning rates")
        for lr in chosen:
            for oracle in oracles:
                runs = runs_of(table, model, optimizer, lr, oracle, B)
                if runs.size:
                    rows.append({"optimizer": optimizer, "lr": float(lr), "oracle": oracle,
                                 **final_values(table, runs)})
    if not rows:
        raise ValueError(f"table must hold runs of model {model!r} with B = {B} for those settings, got none")
    return pd.DataFrame(rows)


def best_rates(summary):
    """Each (optimizer, oracle) of a :func:`final_summary` at its own best learning rate: the row of the
    lowest ``score``, with ``num_rates`` (how many rates were tried) and ``at_edge`` (True when the best
    rate is the smallest or the largest tried, so that the sweep may not hold the true optimum)."""
    import pandas as pd

    check_instance("summary", summary, pd.DataFrame, "a DataFrame from final_summary")
    missing = {"optimizer", "oracle", "lr", "score"} - set(summary.columns)
    if missing:
        raise ValueError(f"summary must have the columns of final_summary, got no {sorted(missing)}")
    rows = []
    for _, group in summary.groupby(["optimizer", "oracle"], sort=False):
        best = group.loc[group["score"].idxmin()].to_dict()
        best.update(num_rates=len(group), at_edge=bool(best["lr"] in (group["lr"].min(), group["lr"].max())))
        rows.append(best)
    return pd.DataFrame(rows).reset_index(drop=True)


def step_seconds(table: RunTable, model: str, *, oracles=tuple(ORACLES)):
    """Per oracle, the CPU seconds in steps of the runs of ``model`` with one tangent that ran their whole
    budget of 1,000 steps (every optimizer and rate): ``median``, ``min``, ``max`` and ``runs``."""
    import pandas as pd

    table = _table(table)
    rows = []
    for oracle in _oracles(oracles):
        gradient, law = ORACLES[oracle]
        runs = [run for run in table.select(model=model, gradient=gradient, law=law, B=1)
                if table.status[run] not in BLOWN_UP and table.nit[run] == table.max_iter[run]]
        if runs:
            seconds = np.array([table.history(run)["seconds"][-1] for run in runs])
            rows.append({"oracle": oracle, "median": float(np.median(seconds)), "min": float(seconds.min()),
                         "max": float(seconds.max()), "runs": len(runs)})
    return pd.DataFrame(rows)


def reach_summary(table: RunTable, model: str, optimizer: str, rates):
    """T_f / T_b (:func:`~fgcourse.training.runs.time_to_reach`) of each oracle against backprop, each at
    the rate ``rates`` gives it: ``rates`` maps an oracle label (and ``"backprop"``) to a learning rate.
    One row per perturbation oracle: its rate, backprop's, the ratios' ``median``, ``min``, ``max``,
    ``reached`` (seeds that reached backprop's best loss) and ``seeds``, and ``text`` as
    :func:`~fgcourse.training.runs.describe_ratio` writes it."""
    import pandas as pd

    table = _table(table)
    check_instance("rates", rates, dict, "a dict {oracle label: learning rate}")
    if "backprop" not in rates:
        raise ValueError(f"rates must give backprop's rate under 'backprop', got the keys {sorted(rates)}")
    rows = []
    for oracle, lr in rates.items():
        oracle = check_option("rates key", oracle, tuple(ORACLES))
        if oracle == "backprop":
            continue
        gradient, law = ORACLES[oracle]
        reach = time_to_reach(table, model, optimizer, check_real(f"rates[{oracle!r}]", lr), gradient, law,
                              backprop_lr=check_real("rates['backprop']", rates["backprop"]))
        ratio = reach.ratio
        rows.append({"oracle": oracle, "lr": float(lr), "backprop_lr": float(rates["backprop"]),
                     "median": float(np.median(ratio)), "min": float(ratio.min()), "max": float(ratio.max()),
                     "reached": int(np.isfinite(ratio).sum()), "seeds": int(ratio.size),
                     "text": describe_ratio(reach)})
    return pd.DataFrame(rows)


def budget_summary(table: RunTable, model: str, optimizer: str, lr: float, *, oracles=tuple(ORACLES)[1:],
                   Bs=(1, 5, 10)):
    """The median final validation loss of each perturbation oracle with B tangents per step, at the same
    budget of JVPs, as a DataFrame: oracles in rows, B in columns (NaN where every run blew up or none
    is stored); ``.attrs["blown_up"]`` counts the runs that blew up, by (oracle, B)."""
    import pandas as pd

    table = _table(table)
    lr = check_real("lr", lr)
    Bs = check_sequence("Bs", Bs, lambda name, b: check_int(name, b, minimum=1), what="tangent counts")
    oracles = _oracles(oracles)
    if "backprop" in oracles:
        raise ValueError("oracles must be perturbation oracles (backprop takes no tangents), got 'backprop'")
    frame = pd.DataFrame(np.nan, index=pd.Index(oracles, name="oracle"), columns=pd.Index(Bs, name="B"))
    blown = {}
    for oracle in oracles:
        for B in Bs:
            runs = runs_of(table, model, optimizer, lr, oracle, B)
            if runs.size:
                values = final_values(table, runs)
                frame.loc[oracle, B] = values["val_loss"]
                blown[oracle, B] = values["blown_up"]
    frame.attrs["blown_up"] = blown
    return frame
