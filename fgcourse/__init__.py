"""fgcourse: the library behind the course *Gradients without backpropagation*.

One module per chapter of the book:

- :mod:`fgcourse.chains` -- forward and reverse mode along computation chains;
- :mod:`fgcourse.trace` -- evaluation traces (Wengert lists) of small scalar programs;
- :mod:`fgcourse.checkpointing` -- schedules that trade recomputation for memory;
- :mod:`fgcourse.linesearch` -- exact and inexact line searches;
- :mod:`fgcourse.forward_gradient` -- tangent laws, the forward-gradient estimator, its theory;
- :mod:`fgcourse.optim` and :mod:`fgcourse.testfunctions` -- optimizers and test problems;
- :mod:`fgcourse.explorer` -- interactive figures that stay explorable in the offline book.
"""

__version__ = "0.1.0"
