"""The Chromium that the browser check, ``make pdf`` and the JupyterLab benchmark drive through
Playwright (no browser download): Debian's ``/usr/bin/chromium`` (``make chromium``), or the one
named by ``FGCOURSE_CHROMIUM``, with the flags that keep it headless, quiet and off the network
(no sandbox, since CI runs as root; no GPU; no first-run, update, sync or QUIC traffic)."""

import os

CHROMIUM = os.environ.get("FGCOURSE_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic",
]
