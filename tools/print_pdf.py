"""Print every page of the built book to PDF, one handout per page, with the Chromium the browser
check uses (Playwright's ``page.pdf``, A4, the book's print stylesheet)::

    python tools/print_pdf.py                       # both editions: _build/pdf/full, _build/pdf/student
    python tools/print_pdf.py --html _build/html --out _build/pdf/full book/chains notebooks/chains

Each page is opened from disk with every network request refused, printed once MathJax has
typeset it and its widgets are drawn. ``make pdf`` runs it after building both editions.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from chromium import CHROMIUM, FLAGS  # noqa: E402

EDITIONS = {"full": ROOT / "_build" / "html", "student": ROOT / "_build" / "student-html"}


def pages_of(html: Path, names=()) -> list[Path]:
    if names:
        return [html / f"{name.removesuffix('.html')}.html" for name in names]
    return sorted(p for folder in ("book", "notebooks") for p in (html / folder).glob("*.html"))


def ready(page) -> None:
    """Wait for MathJax's typesetting and the saved widgets, as a reader would see the page."""
    if page.query_selector('script[src*="mathjax/"]'):
        page.wait_for_function("() => window.MathJax && window.MathJax.startup && window.MathJax.startup.promise")
        page.evaluate("() => window.MathJax.startup.promise")
    if page.query_selector('script[type="application/vnd.jupyter.widget-view+json"]'):
        page.wait_for_selector(".jupyter-widgets", state="visible", timeout=15000)
        page.wait_for_timeout(300)


def offline(context) -> None:
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file://", "data:", "blob:"))
                  else route.abort())


def print_pages(browser, html: Path, out: Path, names=()) -> list[Path]:
    if not (html / "index.html").exists():
        sys.exit(f"no built book at {html}: run `make book` (and `make book-student`) first")
    out.mkdir(parents=True, exist_ok=True)
    context = browser.new_context()
    offline(context)
    written = []
    for path in pages_of(html, names):
        page = context.new_page()
        page.goto(path.as_uri(), wait_until="load")
        ready(page)
        target = out / f"{path.parent.name}-{path.stem}.pdf"
        page.pdf(path=str(target), format="A4", print_background=True, prefer_css_page_size=True)
        page.close()
        written.append(target)
    context.close()
    return written


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, help="one built book (default: both editions)")
    parser.add_argument("--out", type=Path, help="where its PDFs go (with --html)")
    parser.add_argument("pages", nargs="*", help="pages such as book/chains (default: every page)")
    args = parser.parse_args(argv)
    jobs = ({args.html.resolve(): args.out or ROOT / "_build" / "pdf" / args.html.name} if args.html
            else {html: ROOT / "_build" / "pdf" / name for name, html in EDITIONS.items()})
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        for html, out in jobs.items():
            start = time.perf_counter()
            written = print_pages(browser, html, out, args.pages)
            print(f"{len(written)} PDFs in {out} ({time.perf_counter() - start:.0f} s)", flush=True)
        browser.close()


if __name__ == "__main__":
    main()
