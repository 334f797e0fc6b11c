"""Shared test configuration: hypothesis profiles. ``ci`` (the default) is derandomized so a run
is repeatable; ``dev`` (HYPOTHESIS_PROFILE=dev) draws 500 fresh examples per property."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=50, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
