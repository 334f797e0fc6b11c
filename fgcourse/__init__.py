"""fgcourse: the library behind the course *Gradients without backpropagation*.

One module per chapter of the book:

- :mod:`fgcourse.chains` -- forward and reverse mode along computation chains;
- :mod:`fgcourse.trace` -- evaluation traces (Wengert lists) of small scalar programs;
- :mod:`fgcourse.linearize` -- reverse mode from forward mode: a trace linearized, then transposed;
- :mod:`fgcourse.checkpointing` -- schedules that trade recomputation for memory;
- :mod:`fgcourse.linesearch` -- exact and inexact line searches;
- :mod:`fgcourse.forward_gradient` -- tangent laws, the forward-gradient estimator, its theory;
- :mod:`fgcourse.optim` -- optimizers fed by true or forward gradients, their runs (on the linear
  objective too) and their step-size limits;
- :mod:`fgcourse.testfunctions` -- the test-function collection;
- :mod:`fgcourse.experiments` -- the experiment grid (cached, parallel), performance and accuracy profiles;
- :mod:`fgcourse.training` -- training a digits classifier with backprop or forward gradients;
- :mod:`fgcourse.exercises` -- self-checks for the book's exercises;
- :mod:`fgcourse.explorer` -- interactive figures that stay explorable in the offline book;
- :mod:`fgcourse._figures` -- the figure helpers every chapter's drawing code shares;
- :mod:`fgcourse.measure` -- time and memory measured the same way everywhere.

Every public function checks its arguments with :mod:`fgcourse._checks`, and results share
one vocabulary (CONTRIBUTING.md). The modules form layers, from the checks and the figure helpers
up to the chapters' cores, their plots and explorers, and experiments and training; none imports
a module above it (CONTRIBUTING.md, "Layers"; tests/test_layers.py).
"""

__version__ = "0.1.0"
