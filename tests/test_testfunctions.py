"""Tests for fgcourse.testfunctions: minima, gradients, row-wise batches, metadata, the registry."""

import json
import pathlib

import autograd.numpy as anp
import matplotlib
import numpy as np
import pytest
from autograd import grad
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from strategies import assert_names_argument, assert_refused, central_gradient

from fgcourse.testfunctions import (
    TAGS,
    TEST_FUNCTIONS,
    OfDimension,
    TestFunction,
    beale,
    branin,
    contour_grid,
    cross_in_tray,
    diagonal_quadratic,
    dixon_price,
    draw_contours,
    get_test_function,
    himmelblau,
    holder_table,
    hyperellipsoid,
    hyperellipsoid_diagonal,
    minimum_gaps,
    qing,
    rastrigin,
    register_test_function,
    registry_rows,
    registry_table,
    rosenbrock,
    rotated_hyperellipsoid,
    six_hump_camel,
    sphere,
    spiral,
    styblinski_tang,
    sum_of_squares,
    trid,
)

matplotlib.use("Agg")

NOTEBOOK = pathlib.Path(__file__).parent.parent / "notebooks" / "test_functions.ipynb"
TAGS_OF = dict(convex=False, separable=False, multimodal=False, smooth=True)
"""Tags for the functions the tests register themselves."""


def dimensions(function):
    """The dimensions each function is tested in: its fixed one, or 2 (its smallest if larger) and 5."""
    if function.dim is not None:
        return [function.dim]
    return sorted({max(2, function.min_dim), 5})


CASES = [(name, n) for name, function in TEST_FUNCTIONS.items() for n in dimensions(function)]


def domain_points(function, n, count, seed):
    """``count`` uniform points of the function's search box in dimension n (seeded)."""
    box = function.bounds(n)
    return np.random.default_rng(seed).uniform(box[:, 0], box[:, 1], size=(count, n))


def scale(value):
    """Tolerances are relative where the value is large."""
    return max(1.0, abs(value))


def test_the_collection_has_30_functions_of_every_kind():
    assert len(TEST_FUNCTIONS) >= 30
    for tag in TAGS:
        assert {getattr(f, tag) for f in TEST_FUNCTIONS.values()} == {True, False}, tag
    assert {f.dim is None for f in TEST_FUNCTIONS.values()} == {True, False}


# ----------------------------------------------------------------------------- every function

@pytest.mark.parametrize("name, n", CASES)
def test_the_minimum_is_attained_at_the_minimizer(name, n):
    function = TEST_FUNCTIONS[name]
    x_star = function.minimizer(n)
    assert x_star.shape == (n,)
    f_star = function.minimum_value(n)
    assert abs(function(x_star) - f_star) <= 1e-8 * scale(f_star)


def interior(function, n):
    """Whether the minimizer lies strictly inside the box (Adjiman's and the eggholder's are on its edge)."""
    box, x_star = function.bounds(n), function.minimizer(n)
    return bool(np.all((box[:, 0] < x_star) & (x_star < box[:, 1])))


@pytest.mark.parametrize("name, n", [case for case in CASES if TEST_FUNCTIONS[case[0]].smooth])
def test_the_gradient_vanishes_at_interior_minimizers_of_smooth_functions(name, n):
    function = TEST_FUNCTIONS[name]
    if not interior(function, n):
        # On the edge of the box the gradient points out of it instead: -∇f is an outward normal.
        box, x_star = function.bounds(n), function.minimizer(n)
        gradient = grad(function.f)(x_star)
        assert np.all(gradient[x_star == box[:, 0]] >= 0) and np.all(gradient[x_star == box[:, 1]] <= 0)
        inside = (box[:, 0] < x_star) & (x_star < box[:, 1])
        np.testing.assert_allclose(gradient[inside], 0.0, atol=1e-7 * scale(function.minimum_value(n)))
        return
    gradient = grad(function.f)(function.minimizer(n))
    np.testing.assert_allclose(gradient, np.zeros(n), atol=1e-7 * scale(function.minimum_value(n)))


@pytest.mark.parametrize("name, n", CASES)
def test_the_autograd_gradient_agrees_with_central_differences(name, n):
    # Non-smooth functions are checked too: their kinks have measure zero, and the assertion
    # below that two step sizes agree proves that these seeded points are away from them.
    function = TEST_FUNCTIONS[name]
    for x in domain_points(function, n, count=5, seed=2):
        reference = central_gradient(function.f, x, h=1e-6)
        tolerance = 1e-7 * scale(function(x))  # rounding of f(x ± h) / 2h
        if not function.smooth:
            np.testing.assert_allclose(central_gradient(function.f, x, h=1e-5), reference, rtol=1e-3,
                                       atol=1e3 * tolerance, err_msg=f"{name}: a seeded point near a kink")
        np.testing.assert_allclose(grad(function.f)(x), reference, rtol=1e-5, atol=tolerance)


@pytest.mark.parametrize("name, n", CASES)
def test_no_point_of_the_domain_is_below_the_minimum(name, n):
    function = TEST_FUNCTIONS[name]
    f_star = function.minimum_value(n)
    assert np.all(function(domain_points(function, n, count=500, seed=0)) >= f_star - 1e-12 * scale(f_star))


@pytest.mark.simd
@pytest.mark.parametrize("name, n", CASES)
def test_the_batch_equals_the_rows_with_their_gradients(name, n):
    function = TEST_FUNCTIONS[name]
    points = domain_points(function, n, count=4, seed=1)
    values = function(points)
    assert values.shape == (4,)
    np.testing.assert_allclose(values, [function(p) for p in points], rtol=1e-13, atol=1e-300)
    batch_gradient = grad(lambda X: anp.sum(function.f(X)))(points)
    np.testing.assert_allclose(batch_gradient, [grad(function.f)(p) for p in points], rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("name, n", CASES)
def test_metadata_is_consistent(name, n):
    function = TEST_FUNCTIONS[name]
    assert function.name == name and get_test_function(name) is function
    for tag in TAGS:
        assert type(getattr(function, tag)) is bool
    box = function.bounds(n)
    assert box.shape == (n, 2) and np.all(box[:, 0] < box[:, 1])
    x_star = function.minimizer(n)
    assert np.all((box[:, 0] <= x_star) & (x_star <= box[:, 1]))
    assert type(function.minimum_value(n)) is float
    assert callable(function.minimum) or isinstance(function.minimum, float)
    assert function.dimension(n) == n and function.min_dim <= n
    if function.dim is not None:
        assert function.min_dim == function.dim and function.dimension() == function.dim


def test_a_test_function_itself_is_traced_by_autograd_with_its_shape_checked():
    # Optimizers differentiate the TestFunction, not only .f: under autograd x is a Box.
    points = np.array([[0.5, -1.0], [2.0, 0.3]])
    # exact: the TestFunction checks its argument and calls beale.f on it, the same primitives
    np.testing.assert_array_equal(grad(lambda X: anp.sum(beale(X)))(points),
                                  grad(lambda X: anp.sum(beale.f(X)))(points))
    with pytest.raises(ValueError) as excinfo:
        grad(lambda x: beale(x))(np.zeros(3))
    assert_names_argument(excinfo, "x", "dimension 2 only")


def test_the_functions_other_modules_use_keep_their_plain_numbers():
    for function in (beale, rosenbrock, sphere, hyperellipsoid, spiral):
        assert function.minimum == 0.0 and isinstance(function.minimum, float)
        assert function.domain == tuple(float(b) for b in function.domain)
    assert beale.domain == (-4.5, 4.5) and rosenbrock.domain == (-5.0, 10.0) and spiral.dim == 3


# ------------------------------------------------------------------------- known closed forms

@pytest.mark.simd
def test_closed_forms_at_known_points():
    # Beale at the origin: 1.5² + 2.25² + 2.625²; at (1.5, -0.1), 003's Figure 1 point.
    assert beale(np.zeros(2)) == pytest.approx(1.5**2 + 2.25**2 + 2.625**2)
    x, y = 1.5, -0.1
    written_out = (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2
    assert beale(np.array([x, y])) == pytest.approx(written_out, rel=1e-14)
    assert rosenbrock(np.array([-1.0, 0.0])) == pytest.approx(100 * 1 + 4)
    assert hyperellipsoid(np.array([1.0, 1.0, 1.0])) == pytest.approx(6.0)
    assert sphere(np.array([3.0, 4.0])) == pytest.approx(25.0)
    assert spiral(np.array([np.sin(2.0), np.cos(2.0), 2.0])) == pytest.approx(np.log(5.0))
    assert rastrigin(np.ones(4)) == pytest.approx(4.0)  # x² − 10 cos 2πx + 10 = 1 at integers ≠ 0
    assert trid(np.zeros(6)) == pytest.approx(6.0)
    assert qing(np.zeros(3)) == pytest.approx(1 + 4 + 9)
    # Σ_i Σ_{j≤i} x_j² = Σ_j (n + 1 − j) x_j²: the "rotated" ellipsoid is axis-parallel.
    x = np.array([0.5, -2.0, 3.0])
    assert rotated_hyperellipsoid(x) == pytest.approx(np.sum([3, 2, 1] * x**2))
    assert sum_of_squares(x) == hyperellipsoid(x)  # exact: the same formula under two names


@pytest.mark.parametrize("n", [1, 2, 10, 100])
def test_the_hyperellipsoid_is_the_diagonal_quadratic_of_its_diagonal(n):
    a = hyperellipsoid_diagonal(n)
    np.testing.assert_array_equal(a, 2.0 * np.arange(1, n + 1))  # exact: small integers
    x = np.random.default_rng(n).uniform(-5.12, 5.12, (3, n))
    np.testing.assert_allclose(diagonal_quadratic(a)(x), hyperellipsoid(x), rtol=1e-14)
    from autograd import hessian

    np.testing.assert_allclose(hessian(lambda point: hyperellipsoid(point))(x[0]), np.diag(a), atol=1e-12)
    assert a.max() == 2 * n and a.sum() == n * (n + 1)


@pytest.mark.simd
@pytest.mark.parametrize("function, points", [
    (himmelblau, [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]),
    (branin, [(-np.pi, 12.275), (np.pi, 2.275), (3 * np.pi, 2.475)]),
    (six_hump_camel, [(0.08984201310031806, -0.7126564030207396), (-0.08984201310031806, 0.7126564030207396)]),
    (cross_in_tray, [(s * 1.3494066171539107, t * 1.3494066171539107) for s in (1, -1) for t in (1, -1)]),
    (holder_table, [(s * 8.055023475736563, t * 9.664590019241272) for s in (1, -1) for t in (1, -1)]),
    (dixon_price, [(1.0, 2**-0.5), (1.0, -(2**-0.5))]),
])
def test_every_listed_global_minimizer_reaches_the_minimum(function, points):
    # Himmelblau's three other minimizers are known to 6 decimals: f = O(1e-11) there.
    values = function(np.array(points))
    np.testing.assert_allclose(values, function.minimum_value(2), atol=1e-9)


def test_beales_second_local_minimizer_lies_on_the_edge_of_its_box():
    # On the edge x = −4.5: ∂f/∂y = 0 at y ≈ 1.1864 and ∂f/∂x > 0, so f grows into the box.
    ys = np.linspace(1.17, 1.20, 3001)
    y = ys[np.argmin(beale(np.stack([np.full_like(ys, -4.5), ys], axis=-1)))]
    gradient = grad(beale.f)(np.array([-4.5, y]))
    assert gradient[0] > 0.05 and abs(gradient[1]) < 1e-2 and beale(np.array([-4.5, y])) > 0.7
    assert beale.multimodal


def test_minima_that_depend_on_the_dimension():
    assert styblinski_tang.minimum_value(3) == pytest.approx(-39.16616570377141 * 3, rel=1e-15)
    assert str(styblinski_tang.minimum) == "−39.16616570 n"
    assert [trid.minimum_value(n) for n in (2, 6, 10)] == [-2.0, -50.0, -210.0]  # Surjanovic's d = 6, 10
    np.testing.assert_array_equal(trid.minimizer(4), [4, 6, 6, 4])  # exact: integers i (n + 1 − i)
    np.testing.assert_array_equal(trid.bounds(3), [[-9.0, 9.0]] * 3)
    np.testing.assert_allclose(dixon_price.minimizer(3), [1.0, 2**-0.5, 2**-0.75])
    assert np.all(np.isfinite(dixon_price.minimizer(2000)))  # no overflow of 2^i


# ---------------------------------------------------------------------------- hypothesis laws

def rows(n, max_rows=6, bound=3.0):
    """A batch of points (B, n) with moderate coordinates."""
    return st.integers(1, max_rows).flatmap(
        lambda b: arrays(float, (b, n), elements=st.floats(-bound, bound, allow_nan=False))
    )


@given(st.integers(2, 12).flatmap(lambda n: rows(n)))
def test_rosenbrock_is_nonnegative_in_any_dimension(points):
    assert np.all(rosenbrock(points) >= 0)
    n = points.shape[1]
    assert rosenbrock(np.ones(n)) == 0.0


@given(st.sampled_from(sorted(TEST_FUNCTIONS)), st.integers(0, 2**32 - 1))
def test_no_function_goes_below_its_minimum_anywhere_in_its_box(name, seed):
    function = TEST_FUNCTIONS[name]
    n = dimensions(function)[-1]
    f_star = function.minimum_value(n)
    assert np.all(function(domain_points(function, n, count=20, seed=seed)) >= f_star - 1e-12 * scale(f_star))


@given(rows(3))
def test_spiral_is_log_of_one_plus_squared_distance_and_nonnegative(points):
    a, b, c = points.T
    expected = np.log1p(c**2 + (a - np.sin(c)) ** 2 + (b - np.cos(c)) ** 2)
    np.testing.assert_allclose(spiral(points), expected, rtol=1e-12, atol=1e-15)
    assert np.all(spiral(points) >= 0)


# ----------------------------------------------------------------------------------- registry

def test_registry_lookup():
    assert get_test_function("beale") is beale
    assert isinstance(beale, TestFunction)
    assert rosenbrock.bounds(3).tolist() == [[-5.0, 10.0]] * 3
    assert six_hump_camel.bounds().tolist() == [[-3.0, 3.0], [-2.0, 2.0]]


def test_adding_a_function_is_one_definition():
    def rotated_booth(x):
        return (x[..., 0] + 2 * x[..., 1] - 7) ** 2 + (2 * x[..., 0] + x[..., 1] - 5) ** 2

    try:
        entry = register_test_function(domain=(-10, 10), minimum=0, minimizer=lambda n: np.array([1.0, 3.0]), dim=2,
                                       **TAGS_OF)(rotated_booth)
        assert get_test_function("rotated_booth") is entry
        assert entry(entry.minimizer()) == 0.0 and entry.minimum_value() == 0.0
        assert entry.domain == (-10.0, 10.0)
    finally:
        TEST_FUNCTIONS.pop("rotated_booth", None)


def test_a_minimum_may_be_any_callable_of_n():
    def shifted_sphere(x):
        return anp.sum(x**2, axis=-1) - np.shape(x)[-1]

    try:
        entry = register_test_function(domain=(-1, 1), minimum=lambda n: -float(n), minimizer=np.zeros,
                                       **TAGS_OF)(shifted_sphere)
        assert entry.minimum_value(4) == -4.0
        assert next(row for row in registry_rows() if row["name"] == "shifted_sphere")["minimum"] == "depends on n"
    finally:
        TEST_FUNCTIONS.pop("shifted_sphere", None)


def test_the_registry_table_has_one_row_per_function_with_its_tags():
    table = registry_table().splitlines()
    assert len(table) == 2 + len(TEST_FUNCTIONS)
    for line, (name, function) in zip(table[2:], TEST_FUNCTIONS.items()):
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert cells[0] == f"`{name}`"
        assert cells[4:] == ["yes" if getattr(function, tag) else "no" for tag in TAGS]
    assert "| `trid` | n ≥ 1 | [−n², n²]ⁿ | −n(n+4)(n−1)/6 | yes | no | no | yes |" in table
    assert "| `six_hump_camel` | 2 | [−3, 3] × [−2, 2] | −1.031628453 | no | no | yes | yes |" in table


def test_the_notebook_displays_the_table_generated_from_the_registry():
    # nbval then checks that a fresh run of the notebook still shows this stored table.
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    shown = [output["data"]["text/markdown"] for cell in cells if cell["cell_type"] == "code"
             and "registry_table()" in "".join(cell["source"]) for output in cell["outputs"]
             if "text/markdown" in output.get("data", {})]
    assert len(shown) == 1
    assert "".join(shown[0]) == registry_table()


def test_minimum_gaps_cover_every_function():
    gaps = minimum_gaps(5)
    assert set(gaps) == set(TEST_FUNCTIONS)
    assert max(gaps.values()) < 1e-8


# -------------------------------------------------------------------------------------- plots

def test_contour_grid_evaluates_the_function_on_its_box():
    X, Y, Z = contour_grid(beale, num=30)
    assert X.shape == Y.shape == Z.shape == (30, 30)
    np.testing.assert_allclose(Z[7, 11], beale(np.array([X[7, 11], Y[7, 11]])))
    X, Y, _ = contour_grid("six_hump_camel", num=5)
    assert (X.min(), X.max(), Y.min(), Y.max()) == (-3.0, 3.0, -2.0, 2.0)
    X, Y, _ = contour_grid(sphere, box=((0, 1), (2, 3)), num=3)
    assert X[0].tolist() == [0.0, 0.5, 1.0] and Y[:, 0].tolist() == [2.0, 2.5, 3.0]


def test_draw_contours_draws_one_panel_per_function():
    import matplotlib.pyplot as plt

    names = ["himmelblau", "rastrigin", "bukin_n6", "easom"]
    fig = draw_contours(names, num=40, ncols=3)
    visible = [ax for ax in fig.axes if ax.get_visible() and ax.get_title()]
    assert [ax.get_title() for ax in visible] == names
    assert all(ax.collections for ax in visible)  # the filled contours
    star = visible[0].lines[0].get_xydata()[0]
    np.testing.assert_allclose(star, himmelblau.minimizer())
    plt.close(fig)


# ---------------------------------------------------------------------------------- bad input

def _register(**overrides):
    arguments = dict(domain=(0, 1), minimum=0.0, minimizer=np.zeros, **TAGS_OF)
    arguments.update(overrides)
    return lambda: register_test_function(**arguments)


BAD_CALLS = [
    (lambda: sphere(np.array([1j, 2.0])), "x", "complex"),
    (lambda: sphere(np.array([np.nan, 1.0])), "x", "finite"),
    (lambda: sphere("1, 2"), "x", "real numbers"),
    (lambda: sphere([True, False]), "x", "bools"),
    (lambda: sphere(np.zeros((2, 2, 2))), "x", "1-d or 2-d"),
    (lambda: sphere(np.zeros((3, 0))), "x", "at least 1"),
    (lambda: beale(np.zeros(3)), "x", "dimension 2 only"),
    (lambda: beale(np.zeros((4, 3))), "x", "(B, 2)"),
    (lambda: rosenbrock(np.zeros(1)), "x", "n >= 2"),
    (lambda: rosenbrock.minimizer(), "n", "any dimension n >= 2"),
    (lambda: rosenbrock.minimizer(True), "n", "bool"),
    (lambda: rosenbrock.bounds(2.0), "n", "float"),
    (lambda: rosenbrock.minimizer(1), "n", ">= 2"),
    (lambda: beale.minimizer(3), "n", "dimension 2 only"),
    (lambda: styblinski_tang.minimum_value(0), "n", ">= 1"),
    (lambda: styblinski_tang.minimum(1.5), "n", "float"),
    (lambda: trid.bounds(), "n", "any dimension"),
    (lambda: beale.minimum_value(4), "n", "dimension 2 only"),
    (lambda: get_test_function("bael"), "name", "did you mean 'beale'"),
    (lambda: get_test_function(3), "name", "int"),
    (lambda: contour_grid(spiral), "function", "dimension 2"),
    (lambda: contour_grid("bealle"), "function", "did you mean 'beale'"),
    (lambda: contour_grid(3), "function", "TestFunction"),
    (lambda: contour_grid(beale, num=1), "num", ">= 2"),
    (lambda: contour_grid(beale, num=True), "num", "bool"),
    (lambda: contour_grid(beale, num=10**5), "num", "<= 4000"),
    (lambda: contour_grid(beale, box=((0, 1),)), "box", "at least 2"),
    (lambda: contour_grid(beale, box=((1, 0), (0, 1))), "box[0]", "low < high"),
    (lambda: contour_grid(beale, box=((0, 1j), (0, 1))), "box[0][1]", "real number"),
    (lambda: contour_grid(beale, box="wide"), "box", "sequence"),
    (lambda: draw_contours(["beale", "spiral"]), "names[1]", "dimension 2"),
    (lambda: draw_contours(["beale", "himmelbau"]), "names[1]", "did you mean 'himmelblau'"),
    (lambda: draw_contours("beale"), "names", "sequence"),
    (lambda: draw_contours([]), "names", "at least 1"),
    (lambda: draw_contours(["beale"], ncols=0), "ncols", ">= 1"),
    (lambda: draw_contours(["beale"], num=2.5), "num", "float"),
    (lambda: minimum_gaps(0), "n", ">= 1"),
    (lambda: hyperellipsoid_diagonal(0), "n", ">= 1"),
    (lambda: hyperellipsoid_diagonal(2.0), "n", "float"),
    (_register(domain=(1, 0)), "domain", "low < high"),
    (_register(domain=(0, 1, 2)), "domain", "at most 2"),
    (_register(domain=(0, np.inf)), "domain[1]", "finite"),
    (_register(domain=((0, 1), (0, 1), (0, 1)), dim=2), "domain", "at most 2"),
    (_register(minimum="0"), "minimum", "real number"),
    (_register(minimum=np.nan), "minimum", "finite"),
    (_register(minimum=1j), "minimum", "complex"),
    (_register(minimizer=3), "minimizer", "callable"),
    (_register(dim=True), "dim", "bool"),
    (_register(dim=0), "dim", ">= 1"),
    (_register(min_dim=0), "min_dim", ">= 1"),
    (_register(convex="yes"), "convex", "True or False"),
    (_register(smooth=1), "smooth", "True or False"),
    (lambda: register_test_function(**TAGS_OF, domain=(0, 1), minimum=0, minimizer=np.zeros)(sphere.f), "f",
     "already registered"),
    (lambda: register_test_function(**TAGS_OF, domain=(0, 1), minimum=0, minimizer=np.zeros)(3), "f", "callable"),
    (lambda: _registered(minimizer=lambda n: np.zeros(n + 1)).minimizer(2), "minimizer", "shape (2,)"),
    (lambda: _registered(minimizer=lambda n: np.full(n, np.nan)).minimizer(2), "minimizer", "inf or NaN"),
    (lambda: _registered(minimizer=lambda n: "origin").minimizer(2), "minimizer", "real numbers"),
    (lambda: _registered(minimum=lambda n: np.nan).minimum_value(2), "minimum(2)", "finite"),
    (lambda: _registered(minimum=lambda n: 1 / 0).minimum_value(2), "minimum", "ZeroDivisionError"),
]


def _registered(**overrides):
    """A TestFunction built with bad callables, outside the registry."""
    arguments = dict(name="probe", f=sphere.f, domain=(0.0, 1.0), minimum=0.0, minimizer_of=np.zeros)
    if "minimizer" in overrides:
        arguments["minimizer_of"] = overrides.pop("minimizer")
    arguments.update(overrides)
    return TestFunction(**arguments)


@pytest.mark.parametrize("call, name, word", BAD_CALLS)
def test_bad_input_names_the_argument(call, name, word):
    excinfo = assert_refused(call, name, word)
    assert str(excinfo.value).startswith(name)


def test_wrong_types_are_type_errors_and_wrong_values_value_errors():
    with pytest.raises(TypeError):
        sphere(np.array([1j]))
    with pytest.raises(TypeError):
        rosenbrock.minimizer(2.0)
    with pytest.raises(ValueError):
        beale(np.zeros(3))
    with pytest.raises(ValueError):
        get_test_function("bael")


def test_of_dimension_checks_its_n_and_says_its_formula():
    rule = OfDimension("2n", lambda n: 2 * n)
    assert rule(np.int64(3)) == 6 and str(rule) == "2n"
    with pytest.raises(TypeError):
        rule(True)


@pytest.mark.parametrize("theta", [np.ones(1), np.ones((2, 3)), 1.0, np.ones((1, 1, 2))])
def test_diagonal_quadratic_refuses_a_theta_of_another_dimension_rather_than_broadcasting(theta):
    from fgcourse.testfunctions import diagonal_quadratic

    with pytest.raises(ValueError) as excinfo:
        diagonal_quadratic([1.0, 2.0])(theta)
    assert_names_argument(excinfo, "theta", "2 coordinates", "got shape")
