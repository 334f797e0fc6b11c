"""Tests of fgcourse.training: data, models, the three oracles, the loop, stored runs, variances, costs."""

from __future__ import annotations

import time

import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import NOT_COUNTS, NOT_RNGS, assert_names_argument, central_gradient, seeds

from fgcourse import forward_gradient as fg
from fgcourse import training as tr

SPLIT = tr.digits_split()
MLP = tr.MODELS["mlp"]
SMALL = tr.Model("small", (4, 3, 2))


def small_batch(rng=0, M=5):
    rng = np.random.default_rng(rng)
    return rng.standard_normal((M, 4)), rng.integers(0, 2, M)


def small_split(m=40):
    rng = np.random.default_rng(1)
    parts = []
    for size in (m, 10, 10):
        parts += [rng.standard_normal((size, 4)), rng.integers(0, 2, size)]
    return tr.Split(*parts, num_classes=2)


# ----------------------------------------------------------------------------------- data

def test_digits_split_is_fixed_and_disjoint():
    assert (SPLIT.X_train.shape, SPLIT.X_val.shape, SPLIT.X_test.shape) == ((1077, 64), (360, 64), (360, 64))
    again = tr.digits_split()
    # exact: the same stored images (pixel counts / 16) in the same seeded order
    assert np.array_equal(again.X_train, SPLIT.X_train) and np.array_equal(again.y_test, SPLIT.y_test)
    rows = {row.tobytes() for row in np.vstack([SPLIT.X_train, SPLIT.X_val, SPLIT.X_test])}  # exact: stored rows
    assert len(rows) > 1700  # load_digits holds a few duplicate images, not hundreds
    assert SPLIT.X_train.min() >= 0 and SPLIT.X_train.max() <= 1
    assert set(np.unique(SPLIT.y_train)) == set(range(10))
    assert not np.array_equal(tr.digits_split(1).y_train, SPLIT.y_train)


# --------------------------------------------------------------------------------- models

def test_parameter_counts():
    assert tr.MODELS["softmax"].n == 650 and MLP.n == 64 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10 == 6570
    assert MLP.num_activations == 64 + 32 + 10
    assert tr.mlp((8,), num_features=3, num_classes=2).widths == (3, 8, 2)


def test_loss_gradient_against_central_differences():
    X, y = small_batch()
    theta = SMALL.init(0)
    _, g = tr.true_gradient(SMALL, theta, X, y)
    assert np.allclose(g, central_gradient(lambda t: SMALL.loss(t, X, y), theta), atol=1e-7)


def test_losses_are_cross_entropies():
    X, y = small_batch()
    theta = SMALL.init(2)
    z = SMALL.logits(theta, X)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert np.allclose(SMALL.losses(theta, X, y), -np.log(p[np.arange(len(y)), y]))
    assert SMALL.accuracy(theta, X, y) == np.mean(np.argmax(z, axis=1) == y)  # exact: the same logits, a share


# ------------------------------------------------------------------------------ oracles

def test_activity_gradients_are_per_example_gradients():
    """a_i = ∇_{z_i} ℓ_i, and (1/M) Σ_i J_iᵀ a_i is the weight gradient."""
    X, y = small_batch()
    theta = SMALL.init(1)
    A = tr.activity_gradients(SMALL, theta, X, y)
    _, g = tr.true_gradient(SMALL, theta, X, y)
    assert np.allclose(tr.activity_weight_gradient(SMALL, theta, X, A), g, atol=1e-12)
    for i in range(len(y)):
        def single(eps, i=i):
            full = anp.concatenate([np.zeros((i, 5)), anp.reshape(eps, (1, 5)), np.zeros((len(y) - i - 1, 5))])
            return SMALL.losses(theta, X, y, full)[i]
        assert np.allclose(central_gradient(single, np.zeros(5)), A[i], atol=1e-7)


@given(seeds, st.sampled_from(["gaussian", "rademacher"]), st.integers(1, 3))
@settings(max_examples=20, deadline=None)
def test_activity_estimate_is_its_formula(seed, law, B):
    """The JVP-based estimate equals (1/M) Σ_i J_iᵀ (1/B) Σ_b (a_i·u_ib) u_ib for the same tangents."""
    X, y = small_batch(seed % 7)
    theta = SMALL.init(seed)
    value, estimate = tr.activity_gradient(SMALL, theta, X, y, fg.tangent_law(law), np.random.default_rng(seed), B)
    A = tr.activity_gradients(SMALL, theta, X, y)
    rng = np.random.default_rng(seed)
    total = np.zeros_like(A)
    for _ in range(B):
        u = fg.tangent_law(law).sample(5, rng, size=len(y))
        total += np.sum(A * u, axis=1)[:, None] * u
    assert np.allclose(estimate, tr.activity_weight_gradient(SMALL, theta, X, total / B), atol=1e-12)
    assert np.isclose(value, SMALL.loss(theta, X, y))


def test_activity_estimate_is_unbiased():
    X, y = small_batch(3, M=8)
    theta = SMALL.init(3)
    _, g = tr.true_gradient(SMALL, theta, X, y)
    rng = np.random.default_rng(0)
    samples = np.array([tr.activity_gradient(SMALL, theta, X, y, fg.gaussian, rng)[1] for _ in range(4000)])
    standard_error = samples.std(axis=0, ddof=1) / np.sqrt(len(samples))
    assert np.all(np.abs(samples.mean(axis=0) - g) <= 5 * standard_error + 1e-12)


def test_forward_oracle_is_the_library_estimator():
    X, y = small_batch()
    theta = SMALL.init(0)
    value, g, ngev, njvp = tr.step_gradient(SMALL, theta, X, y, "forward", fg.rademacher, np.random.default_rng(4), 3)
    reference = fg.forward_gradient(lambda t: SMALL.loss(t, X, y), theta, fg.rademacher, np.random.default_rng(4), B=3)
    assert (ngev, njvp) == (0, 3) and np.isclose(value, reference[0]) and np.allclose(g, reference[1])


# ----------------------------------------------------------------------------- variance

@pytest.mark.parametrize("law", ["gaussian", "rademacher"])
def test_activity_variance_closed_form_against_sampling(law):
    X, y = SPLIT.X_train[:16], SPLIT.y_train[:16]
    theta = MLP.init(0)
    exact = tr.activity_mean_squared_deviation(MLP, theta, X, y, law)
    estimate = fg.monte_carlo(tr.activity_squared_deviations(MLP, theta, X, y, law, 0, 2000))
    assert abs(estimate.mean - exact) <= 4 * estimate.standard_error


def test_one_layer_activity_variance_is_d_plus_one_per_example():
    """One dense layer, Gaussian tangents: E‖Ĝ − ∇L‖² = (d + 1)/M² Σ_i ‖∇ℓ_i‖² (the chapter's exercise)."""
    model = tr.Model("one", (4, 3))
    X, y = np.random.default_rng(0).standard_normal((6, 4)), np.array([0, 1, 2, 0, 1, 2])
    theta = model.init(0)
    per_example = [tr.true_gradient(model, theta, X[i:i + 1], y[i:i + 1])[1] for i in range(6)]
    expected = 4 / 36 * sum(g @ g for g in per_example)
    assert np.isclose(tr.activity_mean_squared_deviation(model, theta, X, y, "gaussian"), expected)


def test_compare_variances_fields():
    X, y = SPLIT.X_train[:32], SPLIT.y_train[:32]
    result = tr.compare_variances(MLP, MLP.init(0), X, y, 0, num_samples=50)
    assert (result.n, result.D, result.M) == (6570, 106, 32)
    assert np.isclose(result.weight_exact[0], (6570 + 1) * result.grad_norm2)
    assert np.isclose(result.weight_exact[1], (6570 - 1) * result.grad_norm2)
    assert result.activity_exact[0] < result.weight_exact[0]


# --------------------------------------------------------------------------------- loop

@pytest.mark.parametrize("gradient, B", [("true", 1), ("forward", 2), ("activity", 3)])
def test_train_records_history_and_calls(gradient, B):
    result = tr.train(SMALL, small_split(), "adam", 0.01, gradient=gradient, B=B, rng=0, max_iter=25,
                      batch_size=8, eval_every=10)
    assert result.status == "max_iter" and result.success and result.nit == 25
    assert list(result.nit_path) == [0, 10, 20, 25]
    assert result.ngev == (25 if gradient == "true" else 0) and result.njvp == (0 if gradient == "true" else 25 * B)
    assert list(result.ngev_path + result.njvp_path) == [0, 10 * B, 20 * B, 25 * B]
    assert np.all(np.diff(result.seconds) >= 0)
    assert result.fun == result.train_loss[-1]
    assert result.status in tr.TRAIN_STATUSES


def test_train_is_seeded_and_oracles_share_start_and_batches():
    a = tr.train(SMALL, small_split(), "sgd", 0.05, gradient="forward", rng=3, max_iter=30, batch_size=8)
    b = tr.train(SMALL, small_split(), "sgd", 0.05, gradient="forward", rng=3, max_iter=30, batch_size=8)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.val_loss, b.val_loss)  # exact: the same run twice
    short = tr.train(SMALL, small_split(), "sgd", 0.05, gradient="forward", rng=3, max_iter=10, batch_size=8,
                     eval_every=10)
    long = tr.train(SMALL, small_split(), "sgd", 0.05, gradient="forward", rng=3, max_iter=20, batch_size=8,
                    eval_every=10)
    assert np.array_equal(short.val_loss, long.val_loss[:2])  # a short rerun reproduces the stored rows
    true = tr.train(SMALL, small_split(), "sgd", 0.05, gradient="true", rng=3, max_iter=30, batch_size=8)
    assert true.train_loss[0] == a.train_loss[0]  # the same θ_0: exact, the same loss at the same point
    assert not np.array_equal(tr.train(SMALL, small_split(), "sgd", 0.05, rng=4, max_iter=1, batch_size=8).x,
                              tr.train(SMALL, small_split(), "sgd", 0.05, rng=3, max_iter=1, batch_size=8).x)


def test_minibatches_cover_an_epoch():
    batches = tr.minibatches(10, np.random.default_rng(0), 3)
    epoch = np.concatenate([next(batches) for _ in range(3)])
    assert len(set(epoch)) == 9


def test_diverging_run_stops_and_keeps_its_history():
    result = tr.train("mlp", SPLIT, "sgd", 1e4, gradient="forward", law="rademacher", rng=0, max_iter=500,
                      eval_every=1)
    assert result.status == "diverged" and not result.success
    assert result.nit < 500 and result.nit_path[-1] == result.nit and np.all(np.isfinite(result.x))
    assert len(result.train_loss) == result.nit + 1 and "diverged" in result.message


def test_a_run_that_overflows_is_non_finite_as_in_minimize():
    # The run above, with a threshold no float exceeds: it stops when its loss or θ is inf or NaN.
    result = tr.train("mlp", SPLIT, "sgd", 1e4, gradient="forward", law="rademacher", rng=0, max_iter=500,
                      eval_every=1, divergence_threshold=1e308)
    assert result.status == "non_finite" and not result.success and np.all(np.isfinite(result.x))
    assert result.message.startswith(f"non_finite after {result.nit} iterations (minibatch loss ")
    assert len(result.train_loss) == result.nit + 1


def test_progress_bar(capsys):
    tr.train(SMALL, small_split(), max_iter=3, batch_size=8, progress=True)
    err = capsys.readouterr().err
    assert "/3" in err and "backprop" in err


def test_one_mlp_step_is_fast():
    result = tr.train("mlp", SPLIT, "adam", 0.003, rng=0, max_iter=200, eval_every=200, clock=time.process_time)
    assert result.seconds[-1] / 200 < 0.02  # 1.3 to 2 ms of CPU per step on the course machine


BAD_INPUT = [
    (lambda: tr.Split(SPLIT.X_train, SPLIT.y_train + 5, SPLIT.X_val, SPLIT.y_val, SPLIT.X_test, SPLIT.y_test),
     "y_train", ValueError, "0..9"),
    (lambda: tr.Split(SPLIT.X_train, SPLIT.y_train[:-1], SPLIT.X_val, SPLIT.y_val, SPLIT.X_test, SPLIT.y_test),
     "y_train", ValueError, "one label per row"),
    (lambda: tr.Split(np.where(SPLIT.X_train == 0, np.nan, SPLIT.X_train), SPLIT.y_train, SPLIT.X_val, SPLIT.y_val,
                      SPLIT.X_test, SPLIT.y_test), "X_train", ValueError, "finite"),
    (lambda: tr.check_dataset(np.ones((3, 2)), [0, -1, 2]), "y", ValueError, ">= 0"),
    (lambda: tr.check_dataset(np.ones((3, 2)), np.array([0.0, 1.0, 2.0])), "y", TypeError, "astype(int)"),
    (lambda: tr.check_dataset(np.ones((3, 2)), [True, False, True]), "y", TypeError, "integer"),
    (lambda: tr.check_dataset(np.ones((3, 2)) + 1j, [0, 1, 2]), "X", TypeError, "complex"),
    (lambda: tr.make_split(np.ones((5, 2)), [0, 1, 2, 0, 1], 0, 3, 2), "num_val + num_test", ValueError, "be < 5"),
    (lambda: tr.train("mlp", SPLIT, batch_size=0), "batch_size", ValueError, ">= 1"),
    (lambda: tr.train("mlp", SPLIT, batch_size=1078), "batch_size", ValueError, "<= 1077 (the training rows)"),
    (lambda: tr.train("mpl", SPLIT), "model", ValueError, "did you mean 'mlp'"),
    (lambda: tr.train("mlp", SPLIT, "adm"), "optimizer", ValueError, "did you mean 'adam'"),
    (lambda: tr.train("mlp", SPLIT, gradient="activty"), "gradient", ValueError, "did you mean 'activity'"),
    (lambda: tr.train("mlp", SPLIT, law="gauss"), "law", ValueError, "gaussian"),
    (lambda: tr.train("mlp", SPLIT, lr=0.0), "lr", ValueError, "> 0"),
    (lambda: tr.train("mlp", SPLIT, B=True), "B", TypeError, "integer"),
    (lambda: tr.train("mlp", SPLIT, max_iter=0), "max_iter", ValueError, ">= 1"),
    (lambda: tr.train("mlp", SPLIT, eval_every=2.0), "eval_every", TypeError, "integer"),
    (lambda: tr.train("mlp", SPLIT, progress="yes"), "progress", TypeError, "True or False"),
    (lambda: tr.train("mlp", SPLIT, clock=lambda: "now"), "clock", TypeError, "real"),
    (lambda: tr.train("mlp", (SPLIT.X_train, SPLIT.y_train)), "data", TypeError, "Split"),
    (lambda: tr.train(SMALL, SPLIT), "data", ValueError, "features"),
    (lambda: tr.compare_variances(MLP, np.zeros(5), SPLIT.X_val, SPLIT.y_val, 0), "theta", ValueError, "6570"),
    (lambda: tr.activity_mean_squared_deviation(MLP, MLP.init(0), SPLIT.X_val, SPLIT.y_val, "sphere"), "law",
     ValueError, "gaussian"),
    (lambda: tr.Model("m", (3,)), "widths", ValueError, "at least 2"),
    (lambda: tr.mlp((0, 3)), "hidden[0]", ValueError, ">= 1"),
    (lambda: tr.step_costs([("q", lambda t: np.sum(np.asarray(t, dtype=float) ** 2), np.ones(3))]), "problems[0] f",
     TypeError, "autograd.numpy"),
    (lambda: tr.step_costs([("nan", lambda t: anp.sum(t) * anp.nan, np.ones(3))]), "problems[0] f", ValueError,
     "finite"),
    (lambda: tr.step_costs([("s", lambda t: "x", np.ones(3))]), "problems[0] f", TypeError, "real"),
    (lambda: tr.step_costs([("short", lambda t: t)]), "problems[0]", TypeError, "triple"),
    (lambda: tr.nested_costs(S=0), "S", ValueError, ">= 1"),
]


@pytest.mark.parametrize("call, name, kind, word", BAD_INPUT)
def test_bad_input_is_refused_before_work(call, name, kind, word):
    with pytest.raises(kind) as excinfo:
        call()
    assert_names_argument(excinfo, name, word)


@pytest.mark.parametrize("count", NOT_COUNTS)
def test_counts_are_integers(count):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        tr.train(SMALL, small_split(), max_iter=count)
    assert_names_argument(excinfo, "max_iter")


@pytest.mark.parametrize("rng", NOT_RNGS)
def test_rng_rule(rng):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        tr.train(SMALL, small_split(), rng=rng)
    assert_names_argument(excinfo, "rng")


# --------------------------------------------------------------------------------- runs

def small_table():
    split = small_split()
    settings_ = [tr.Setting("small", "sgd", 0.1, "true", "", 1, 20), tr.Setting("small", "sgd", 0.1, "forward",
                                                                               "gaussian", 1, 20)]
    results = []
    for setting in settings_:
        for seed in (0, 1):
            results.append((seed, tr.train(SMALL, split, "sgd", 0.1, gradient=setting.gradient, rng=seed,
                                           max_iter=20, batch_size=8, eval_every=5)))
    return tr.run_table(results)


def test_run_table_roundtrip(tmp_path):
    table = small_table()
    tr.save_runs(tmp_path / "runs.npz", table)
    again = tr.load_runs(tmp_path / "runs.npz")
    for key in tr.RUN_COLUMNS + tr.ROW_COLUMNS:
        assert np.array_equal(getattr(again, key), getattr(table, key))  # exact: stored and read back
    assert list(again.select(gradient="forward")) == [2, 3]
    assert again.setting(0) == tr.Setting("small", "sgd", 0.1, "true", "", 1, 20)
    assert list(again.history(3)["nit_path"]) == [0, 5, 10, 15, 20]
    both = tr.concatenate_tables([table, table])
    assert both.num_runs == 8 and list(both.history(7)["val_loss"]) == list(table.history(3)["val_loss"])


def test_a_run_table_has_the_names_of_a_train_result_and_refuses_the_old_format(tmp_path):
    from fgcourse.stored import StoredDataError

    table, result = small_table(), tr.train(SMALL, small_split(), "sgd", 0.1, rng=0, max_iter=20, batch_size=8,
                                             eval_every=5)
    assert all(hasattr(result, key) for key in tr.ROW_COLUMNS[1:])  # no hand-made mapping between the two
    assert tr.RUNS_FORMAT == "fgcourse runs 2"
    old = {key: getattr(table, key) for key in tr.RUN_COLUMNS + tr.ROW_COLUMNS}
    for name, renamed in (("step", "nit_path"), ("ngev", "ngev_path"), ("njvp", "njvp_path")):
        old[name] = old.pop(renamed)
    np.savez_compressed(tmp_path / "runs.npz", format=np.array("fgcourse runs 1"), **old)
    with pytest.raises(StoredDataError, match=r"'fgcourse runs 1', this version reads 'fgcourse runs 2'.*"
                                              r"regenerate it with `make training-data`"):
        tr.load_runs(tmp_path / "runs.npz")


def test_time_to_reach_is_infinite_when_never_reached():
    table = small_table()
    reach = tr.time_to_reach(table, "small", "sgd", 0.1, "forward", "gaussian")
    assert list(reach.seeds) == [0, 1]
    for i, seed in enumerate(reach.seeds):
        back = table.history(table.select(gradient="true", seed=seed)[0])
        fwd = table.history(table.select(gradient="forward", seed=seed)[0])
        k = np.argmin(back["val_loss"])
        assert reach.T_b[i] == back["seconds"][k]  # exact: a stored time, picked, not computed
        hit = np.flatnonzero(fwd["val_loss"] <= back["val_loss"][k])
        assert reach.T_f[i] == (fwd["seconds"][hit[0]] if hit.size else np.inf)
    with pytest.raises(ValueError) as excinfo:
        tr.time_to_reach(table, "small", "adam", 0.1, "forward", "gaussian")
    assert_names_argument(excinfo, "table", "got no pair")


def test_drawings_return_figures():
    import matplotlib.pyplot as plt

    table = small_table()
    fig = tr.draw_curves(table, "small", "sgd", 0.1, oracles=("backprop", "weights, gaussian"), x="seconds")
    assert len(fig.axes) == 2
    fig2 = tr.draw_training_explorer(0.1, table, "small", "sgd", "weights, gaussian", 1)
    fig3 = tr.draw_training_explorer(0.1, table, "small", "sgd", "weights, rademacher", 5)  # nothing stored
    plt.close("all")
    assert fig2 is not fig3


# -------------------------------------------------------------------------------- costs

def test_step_costs_and_storage(tmp_path):
    costs = tr.step_costs([("d2", *tr.deep_tanh_loss(2, width=8, batch=4)), ("d4", *tr.deep_tanh_loss(4, 8, 4))],
                          repeat=1)
    assert costs.labels == ("d2", "d4") and list(costs.n) == [128, 256]
    assert np.all(costs.forward_seconds > 0) and np.all(costs.backprop_working_bytes > 0)
    nested = tr.nested_costs(2, (1, 2), repeat=1)
    assert list(nested.depths) == [1, 2] and np.all(nested.reverse_bytes > 0)
    tr.save_costs(tmp_path / "c.npz", tanh=costs, nested=nested)
    again = tr.load_costs(tmp_path / "c.npz")
    assert again["tanh"].labels == costs.labels and np.array_equal(again["nested"].reverse_bytes, nested.reverse_bytes)
    tr.draw_cost_ratios(again["tanh"], (2, 4), again["nested"], costs)


def test_describe_ratio_and_budget_figure():
    reach = tr.TimeToReach(np.arange(5), np.ones(5), np.ones(5), np.array([0.5, 2.0, np.inf, 1.0, np.inf]))
    assert tr.describe_ratio(reach) == "2.00 [0.50, ∞] (3/5 reached)"
    never = tr.TimeToReach(np.arange(2), np.ones(2), np.ones(2), np.full(2, np.inf))
    assert tr.describe_ratio(never) == "∞ [∞, ∞] (0/2 reached)"
    import matplotlib.pyplot as plt

    fig = tr.draw_budget(small_table(), "small", "sgd", 0.1, "weights, gaussian", Bs=(1, 2))
    assert len(fig.axes) == 1
    plt.close("all")


@pytest.mark.simd
def test_stored_runs_are_what_the_library_computes():
    """The first rows of stored runs, rerun: a change of the library that changes the numbers makes
    data/training stale (regenerate it with `make training-data`).

    The losses are compared to rounding, not bit for bit: the stored ones were computed on one
    machine, and another one's BLAS and numpy kernels (AVX-512, AVX2, SSE4.2, NEON) round each
    matrix product and exp/log differently."""
    from pathlib import Path

    table = tr.load_runs(Path(__file__).resolve().parents[1] / "data" / "training" / "runs.npz")
    for gradient, law, B in [("activity", "gaussian", 5), ("forward", "rademacher", 1)]:
        run = table.select(model="mlp", optimizer="sgd", lr=0.003, gradient=gradient, law=law, B=B, seed=1)[0]
        stored = table.history(run)
        live = tr.train("mlp", SPLIT, "sgd", 0.003, gradient=gradient, law=law, B=B, rng=1, max_iter=2 * (50 // B),
                        eval_every=50 // B)
        rows = live.nit_path.size
        # At most 100 SGD steps of 64-wide matrix products, each rounding ~1e-16: measured 1.8e-16 between the
        # SSE4.2 and AVX2 levels, 3.5e-16 after a 1e-15 relative change of θ_0 (rounding does not grow over the
        # steps). rtol 1e-12 leaves a margin of thousands for other kernels; a change of the algorithm shows far
        # above it (the losses move by ~1e-2 between two stored rows).
        np.testing.assert_allclose(live.val_loss, stored["val_loss"][:rows], rtol=1e-12, atol=0)
        np.testing.assert_array_equal(live.njvp_path, stored["njvp_path"][:rows])  # exact: integer counts
