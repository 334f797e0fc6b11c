"""Tests of fgcourse.forward_gradient.plots: the notebooks' figures and the explorers' pages."""


import numpy as np
import pytest
from strategies import (
    assert_names_argument,
)

from fgcourse.forward_gradient import (
    forward_gradient_samples,
    mean_squared_deviation,
    monte_carlo,
    squared_deviations,
)


def test_figures_draw_and_reject_unknown_gradient_shapes():
    from matplotlib.figure import Figure

    from fgcourse.forward_gradient import plots

    assert isinstance(plots.draw_tangent_laws(3, law="rotated rademacher", shape="random", num_samples=200), Figure)
    assert isinstance(plots.draw_sign_agreement(7, law="sphere", num_samples=200), Figure)
    assert isinstance(plots.draw_minimal_laws_3d(num_sphere_points=50), Figure)
    assert np.array_equal(plots.example_gradient("dominant", 3), [1.0, 0.05, 0.05])  # exact: stored constants
    assert np.array_equal(plots.example_gradient("random", 3, 5), np.random.default_rng(5).standard_normal(3))
    for call, name in [(lambda: plots.example_gradient("flat", 3), "shape"),
                       (lambda: plots.example_gradient("random", 3), "rng"),
                       (lambda: plots.draw_tangent_laws(3, law="cauchy"), "law"),
                       (lambda: plots.draw_sign_agreement(3, law="rademachr"), "law"),
                       (lambda: plots.draw_sign_agreement(0), "n"),
                       (lambda: plots.draw_tangent_laws(3, num_samples=0), "num_samples"),
                       (lambda: plots.draw_minimal_laws_3d(rng=None), "rng"),
                       (lambda: plots.draw_linear_objectives(num_steps=True), "num_steps"),
                       (lambda: plots.draw_sign_excess(1), "max_n")]:
        with pytest.raises((TypeError, ValueError)) as excinfo:
            call()
        assert_names_argument(excinfo, name)


@pytest.mark.parametrize("n, law", [(1, "gaussian"), (10, "sphere"), (200, "rotated rademacher")])
def test_tangent_laws_page_shows_the_monte_carlo_and_exact_values_inside_its_view(n, law):
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.patches import StepPatch

    from fgcourse.forward_gradient import plots

    fig = plots.draw_tangent_laws(n, law=law, shape="random", num_samples=500, rng=3)
    hist, bars = fig.axes
    # The histograms: densities (area 1), inside the view.
    for patch in [a for a in hist.get_children() if isinstance(a, StepPatch)]:
        heights, edges = patch.get_data()[:2]
        assert np.sum(heights * np.diff(edges)) == pytest.approx(1.0)
        assert hist.get_xlim()[0] <= edges[0] and edges[-1] <= hist.get_xlim()[1]
        assert heights.max() <= hist.get_ylim()[1]
    # The bars: the Monte-Carlo MSD of every law over ‖∇f‖², recomputed from the same stream.
    rng = np.random.default_rng(3)
    laws, grad = plots.demo_laws(n), plots.example_gradient("random", n, rng)  # drawn first, then the tangents
    forward_gradient_samples(laws[law], grad, rng, 500)
    expected = [monte_carlo(squared_deviations(laws[name], grad, rng, 500)).mean / (grad @ grad) for name in laws]
    (polygons,) = [a for a in bars.get_children() if isinstance(a, PolyCollection)]
    heights = [path.vertices[:, 1].max() for path in polygons.get_paths()]
    np.testing.assert_allclose(heights, expected, rtol=1e-12)
    exact = [mean_squared_deviation(laws[name], grad) / (grad @ grad) for name in laws]
    dashes = [a for a in bars.get_children() if isinstance(a, LineCollection)][-1]
    np.testing.assert_allclose([segment[0, 1] for segment in dashes.get_segments()], exact, rtol=1e-12)
    tops = [segment[:, 1].max() for c in bars.collections for segment in
            (c.get_segments() if isinstance(c, LineCollection) else [p.vertices for p in c.get_paths()])]
    assert max(tops) <= bars.get_ylim()[1]
    # Tick labels of the levels n − 1 and n + 1 never print on top of each other.
    levels = bars.get_yticks()
    assert np.all(np.diff(levels) >= 0.1 * bars.get_ylim()[1] - 1e-9)
