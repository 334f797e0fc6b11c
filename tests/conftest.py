"""Shared test configuration: hypothesis profiles. ``ci`` (the default) is derandomized so a run
is repeatable; ``dev`` (HYPOTHESIS_PROFILE=dev) draws 500 fresh examples per property."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=50, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(items):
    """The browser tests of one page of the book run one after another (in the order they are
    written), so that tests/test_browser.py loads each page once per window size."""
    def by_page(item) -> bool:
        return item.path.name == "test_browser.py" and "path" in getattr(getattr(item, "callspec", None), "params", {})

    slots = [i for i, item in enumerate(items) if by_page(item)]
    ordered = sorted((items[i] for i in slots), key=lambda item: str(item.callspec.params["path"]))
    for i, item in zip(slots, ordered):
        items[i] = item
