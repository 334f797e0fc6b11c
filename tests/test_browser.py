"""The built HTML book, opened from disk in headless Chromium with every network request refused.

Every page: no request leaves the machine, no console error or warning, math typeset, images
loaded, widgets rendered, and no sideways scrolling in a phone-sized (390 px) window. Every
explorer: each control that is not marked as needing a kernel changes the figure, each one
that is marked is disabled with its hint, and on a phone the slider's value stays visible and
the figure's text is at least 9 CSS px.

Run by `make test` after `make book`; the book is looked for in ``_build/html`` (or in the
folder named by ``FGCOURSE_HTML``). Chromium is Debian's (``/usr/bin/chromium``, or
``FGCOURSE_CHROMIUM``), driven by Playwright without any browser download.
"""

import os
import re
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("FGCOURSE_HTML", ROOT / "_build" / "html"))
sys.path.insert(0, str(ROOT / "tools"))
from chromium import CHROMIUM, FLAGS  # noqa: E402


def book_pages() -> list[Path]:
    pages = sorted(p for folder in ("book", "notebooks") for p in (HTML / folder).glob("*.html"))
    return pages


@pytest.fixture(scope="module")
def browser():
    if not (HTML / "index.html").exists():
        pytest.fail(f"no built book at {HTML}: run `make book` first")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make chromium` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


def offline_page(browser, **context_options):
    """A page on which any request that is not for a local file is refused and recorded, and
    every page error, console error and console warning is recorded in ``page.errors``."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.network_requests = []

    def route(route):
        if route.request.url.startswith(("file://", "data:", "blob:")):
            route.continue_()
        else:
            page.network_requests.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda message: page.errors.append(f"console {message.type}: {message.text}")
            if message.type in ("error", "warning") else None)
    return context, page


@pytest.fixture
def page(browser):
    """A desktop-sized offline page."""
    context, page = offline_page(browser)
    yield page
    context.close()


PHONE = {"width": 390, "height": 844}


class Window:
    """One offline page of a given window size, reused by consecutive tests of the same file
    (tests/conftest.py runs the tests of one file one after another): each file is loaded
    once per window size. A test that finds another file loaded opens its own."""

    def __init__(self, browser, **context_options):
        self.browser, self.options = browser, context_options
        self.path = self.context = self.page = None

    def open(self, path: Path):
        if path != self.path:
            self.close()
            self.context, self.page = offline_page(self.browser, **self.options)
            open_page(self.page, path)
            wait_for_widgets(self.page)
            self.path = path
        return self.page

    def close(self) -> None:
        if self.context is not None:
            self.context.close()
        self.path = self.context = self.page = None


PHONE_OPTIONS = dict(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)


def opened(browser, **options):
    """A :class:`Window` for a module's tests, closed after them."""
    window = Window(browser, **options)
    yield window
    window.close()


@pytest.fixture(scope="module")
def desktop(browser):
    yield from opened(browser)


@pytest.fixture(scope="module")
def phone_window(browser):
    yield from opened(browser, **PHONE_OPTIONS)


def open_page(page, path: Path) -> None:
    page.goto(path.as_uri(), wait_until="load")
    if page.query_selector('script[src*="mathjax/"]'):
        page.wait_for_function("() => window.MathJax && window.MathJax.startup && window.MathJax.startup.promise")
        page.evaluate("() => window.MathJax.startup.promise")


def article_text(page) -> str:
    """The text of the article, code blocks left out (they may show backslashes on purpose)."""
    return page.evaluate(
        """() => {
            const article = document.querySelector('article') || document.body;
            const copy = article.cloneNode(true);
            copy.querySelectorAll('pre, code, script, style, mjx-container').forEach(e => e.remove());
            return copy.textContent;
        }"""
    )


def toc_pages() -> set[str]:
    """The pages ``_toc.yml`` lists, its root and every chapter and section, as paths without suffix."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = {toc["root"]}

    def add(entries):
        for entry in entries:
            pages.add(entry["file"])
            add(entry.get("sections", []))

    for part in toc["parts"]:
        add(part["chapters"])
    return pages


def test_the_book_has_pages():
    # Every page of the table of contents is built, and nothing else: 23 today (the introduction, 11
    # pages of prose, 11 notebooks); a page left out of the build or of _toc.yml shows here.
    built = {str(page.relative_to(HTML).with_suffix("")) for page in book_pages()}
    expected = toc_pages()
    assert len(expected) >= 23 and all(page.startswith(("book/", "notebooks/")) for page in expected)
    assert built == expected, (f"built but not in _toc.yml: {sorted(built - expected)}; "
                               f"in _toc.yml but not built in {HTML}: {sorted(expected - built)}")


def test_the_navigation_numbers_chapters_and_lists_hands_on_pages_without_a_number_that_jumps():
    # a chapter's sections (1.1 to 1.9) are headings of its page, which the navigation does not list:
    # its hands-on page (1.10) is listed unnumbered there, and keeps its number in its own title
    nav = (HTML / "book" / "intro.html").read_text()
    nav = nav[nav.index('class="bd-links bd-docs-nav"'):]
    nav = nav[:nav.index("</nav>")]
    chapters = re.findall(r'class="toctree-l1[^"]*"><a [^>]*>([^<]*)', nav)
    hands_on = re.findall(r'class="toctree-l2[^"]*"><a [^>]*>([^<]*)', nav)
    assert sum(bool(re.match(r"\d+\. ", title)) for title in chapters) >= 11, chapters
    assert len(hands_on) >= 11 and all(title.startswith("Hands-on") for title in hands_on), hands_on
    chapter, notebook = ((HTML / folder / "chains.html").read_text() for folder in ("book", "notebooks"))
    sections = len(re.findall(r'<h2><span class="section-number">1\.\d+\. ', chapter))
    title = re.search(r'<h1><span class="section-number">([\d.]+) </span>', notebook)
    assert sections >= 5 and title and title.group(1) == f"1.{sections + 1}.", (sections, title)


def test_index_opens_the_introduction(page):
    page.goto((HTML / "index.html").as_uri())
    page.wait_for_url("**/book/intro.html", timeout=10000)
    assert page.network_requests == []


@pytest.mark.parametrize("path", book_pages(), ids=lambda p: str(p.relative_to(HTML)))
def test_page_works_offline(desktop, path):
    page = desktop.open(path)
    # Math: every formula typeset by the local MathJax, no raw TeX delimiters left.
    raw_math = page.evaluate("() => document.querySelectorAll('.math, span.math, div.math').length")
    typeset = page.evaluate("() => document.querySelectorAll('mjx-container').length")
    if raw_math:
        assert typeset >= raw_math, f"{typeset} of {raw_math} formulas typeset"
    text = article_text(page)
    assert not re.search(r"\\\(|\\\[|\$\$", text), f"raw TeX left in {path.name}"
    # MyST that was not parsed (a fence closed too early swallows what follows into raw text).
    raw_myst = page.evaluate(
        """() => Array.from(document.querySelectorAll('article pre'))
                  .map(e => e.textContent)
                  .filter(t => /^\\s*(```|~~~)?\\s*\\{(prf|exercise|solution)|^:label:/m.test(t))"""
    )
    assert raw_myst == [], f"unparsed MyST shown as code in {path.name}: {[t[:80] for t in raw_myst]}"
    # Figures: every image in the article has loaded.
    broken = page.evaluate(
        """() => Array.from(document.querySelectorAll('article img'))
                  .filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src.slice(0, 80))"""
    )
    assert broken == [], f"images that did not load: {broken}"
    # Widgets: every saved widget view rendered (no fallback text left).
    assert page.network_requests == [], f"the page asked the network for {page.network_requests}"
    assert page.errors == [], f"JavaScript errors, console errors or warnings: {page.errors}"


def wait_for_widgets(page) -> None:
    views = page.evaluate(
        "() => document.querySelectorAll('script[type=\"application/vnd.jupyter.widget-view+json\"]').length")
    if views:
        page.wait_for_selector(".jupyter-widgets", state="visible", timeout=15000)
        page.wait_for_timeout(300)  # the widget manager lays out after the first view shows


@pytest.mark.parametrize("path", book_pages(), ids=lambda p: str(p.relative_to(HTML)))
def test_page_does_not_scroll_sideways_on_a_phone(phone_window, path):
    phone = phone_window.open(path)
    width = phone.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    wide = phone.evaluate(
        """() => { const limit = document.documentElement.clientWidth;
                   return Array.from(document.querySelectorAll('article *'))
                     .filter(e => e.getBoundingClientRect().right > limit + 1 && !e.closest('.fgcourse-figure, pre, '
                       + 'table, mjx-container, .highlight, .cell_output .output'))
                     .slice(0, 5).map(e => e.tagName + '.' + e.className); }"""
    )
    assert width[0] <= width[1], f"{path.name} scrolls sideways at 390 px: {width[0]} > {width[1]} ({wide})"
    assert phone.errors == [], f"console errors or warnings: {phone.errors}"


FIGURE_TEXT = """() => Array.from(document.querySelectorAll('article img'))
    .filter(img => img.offsetParent !== null && img.naturalWidth > 0)
    .map(img => ({src: img.src.slice(-40), font: Number(img.dataset.minFontPx || 0),
                  scale: img.getBoundingClientRect().width / img.naturalWidth}))"""
"""Every figure of the article as shown: the smallest text of its image at natural size (data-min-font-px,
written by fgcourse._figures.show and the explorers' pages) and its displayed width over its natural width."""


def assert_figure_text_readable(page, path, where) -> None:
    figures = page.evaluate(FIGURE_TEXT)
    unknown = [f["src"] for f in figures if not f["font"]]
    assert unknown == [], f"{path.name} ({where}): figures whose text size is unknown (no data-min-font-px): {unknown}"
    small = [f"{f['font'] * f['scale']:.1f} px (scale {f['scale']:.2f})" for f in figures
             if f["font"] * f["scale"] < 9.0]
    assert small == [], f"{path.name} ({where}): figure text below 9 CSS px: {small}"


@pytest.mark.parametrize("path", book_pages(), ids=lambda p: str(p.relative_to(HTML)))
def test_figure_text_is_at_least_9_css_px_on_a_desktop(desktop, path):
    assert_figure_text_readable(desktop.open(path), path, "1280 px")


@pytest.mark.parametrize("path", book_pages(), ids=lambda p: str(p.relative_to(HTML)))
def test_figure_text_is_at_least_9_css_px_on_a_phone(phone_window, path):
    phone = phone_window.open(path)
    assert_figure_text_readable(phone, path, "390 px")
    # A figure that is wider than the screen scrolls in its own box, with a visible hint.
    silent = phone.evaluate(
        """() => Array.from(document.querySelectorAll('article .fgcourse-figure'))
                  .filter(b => b.offsetParent !== null && b.scrollWidth > b.clientWidth + 1)
                  .filter(b => { const hint = b.previousElementSibling;
                                 return !(hint && hint.classList.contains('fgcourse-scroll-hint')
                                          && hint.offsetParent !== null); }).length"""
    )
    assert silent == 0, f"{path.name}: {silent} figures scroll sideways on a phone without a visible hint"


def explorer_pages() -> list[Path]:
    return [p for p in book_pages() if "fgcourse-explorer" in p.read_text(errors="ignore")]


def visible_page_image(explorer) -> str:
    return explorer.evaluate(
        """e => { const imgs = Array.from(e.querySelectorAll('img')).filter(i => i.offsetParent !== null);
                  return imgs.length ? imgs[0].src : ''; }"""
    )


def wait_for_new_image(page, explorer, before: str, what: str) -> None:
    try:
        page.wait_for_function(
            "([e, before]) => { const imgs = Array.from(e.querySelectorAll('img'))"
            ".filter(i => i.offsetParent !== null);"
            " return imgs.length && imgs[0].src !== before; }",
            arg=[explorer, before], timeout=5000,
        )
    except Exception:  # playwright's TimeoutError
        pytest.fail(f"{what} changes nothing in the offline book, and is not marked as needing a kernel")


def move_slider(page, slider) -> None:
    """One keyboard step of a noUi slider: right, or left at the right end."""
    handle = slider.query_selector(".noUi-handle")
    handle.focus()
    at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")


def label_of(control) -> str:
    return control.evaluate("c => (c.querySelector('label') || {}).textContent || c.className")


def test_some_page_has_an_explorer():
    assert explorer_pages(), "no page of the book holds an explorer widget"


@pytest.mark.parametrize("path", explorer_pages(), ids=lambda p: str(p.relative_to(HTML)))
def test_explorer_slider_flips_figure_without_kernel(desktop, path):
    page = desktop.open(path)
    explorer = page.wait_for_selector(".fgcourse-explorer", state="visible", timeout=15000)
    before = visible_page_image(explorer)
    assert before.startswith("data:image/png"), "the explorer shows no figure"
    handle = explorer.query_selector(".noUi-handle")
    assert handle is not None, "the explorer has no slider"
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "([e, before]) => { const imgs = Array.from(e.querySelectorAll('img')).filter(i => i.offsetParent !== null);"
        " return imgs.length && imgs[0].src !== before; }",
        arg=[explorer, before], timeout=5000,
    )
    after = visible_page_image(explorer)
    assert after.startswith("data:image/png") and after != before
    assert page.network_requests == []


@pytest.mark.parametrize("path", explorer_pages(), ids=lambda p: str(p.relative_to(HTML)))
def test_every_explorer_control_changes_the_figure_or_needs_a_kernel(desktop, path):
    page = desktop.open(path)
    page.wait_for_selector(".fgcourse-explorer", state="visible", timeout=15000)
    for explorer in page.query_selector_all(".fgcourse-explorer"):
        controls = explorer.query_selector_all(".widget-dropdown, .widget-slider, .widget-toggle-buttons")
        assert controls, "the explorer has no controls"
        for control in controls:
            name = label_of(control)
            if control.evaluate("c => !!c.closest('.fgcourse-needs-kernel')"):
                marked = control.evaluate_handle("c => c.closest('.fgcourse-needs-kernel')").as_element()
                assert "fgcourse-disabled" in marked.get_attribute("class"), f"{name} needs a kernel but is enabled"
                assert "needs a running kernel" in marked.text_content(), f"{name} has no hint"
                assert marked.evaluate(
                    "m => Array.from(m.querySelectorAll('select, input')).every(e => e.disabled)"
                    " && Array.from(m.querySelectorAll('.noUi-target')).every(e => e.hasAttribute('disabled'))"
                ), f"{name} needs a kernel but can still be used"
                continue
            before = visible_page_image(explorer)
            select = control.query_selector("select")
            if select is not None:
                options = select.evaluate("s => Array.from(s.options).map(o => o.value)")
                current = select.evaluate("s => s.value")
                select.select_option(next(o for o in options if o != current))
            else:
                move_slider(page, control)
            wait_for_new_image(page, explorer, before, f"the control {name!r} of {path.name}")
    assert page.network_requests == []
    assert page.errors == [], f"console errors or warnings: {page.errors}"


@pytest.mark.parametrize("path", explorer_pages(), ids=lambda p: str(p.relative_to(HTML)))
def test_explorer_reads_on_a_phone(phone_window, path):
    phone = phone_window.open(path)
    phone.wait_for_selector(".fgcourse-explorer", state="visible", timeout=15000)
    limit = phone.evaluate("() => document.documentElement.clientWidth")
    for explorer in phone.query_selector_all(".fgcourse-explorer"):
        readouts = explorer.query_selector_all(".widget-readout")
        assert readouts, "the explorer's sliders show no value"
        for readout in readouts:
            box = readout.bounding_box()
            assert box is not None and box["width"] > 0, "a slider's value is hidden"
            assert box["x"] + box["width"] <= limit + 1, f"a slider's value is cut off: {box} beyond {limit} px"
        font = explorer.evaluate(
            """e => { const img = Array.from(e.querySelectorAll('img')).filter(i => i.offsetParent !== null)[0];
                      return [Number(img.dataset.minFontPx), img.getBoundingClientRect().width / img.naturalWidth]; }"""
        )
        assert font[0] * font[1] >= 9.0, f"figure text is {font[0] * font[1]:.1f} CSS px (scale {font[1]:.2f})"
    assert phone.errors == [], f"console errors or warnings: {phone.errors}"


def test_a_markdown_table_that_a_notebook_displays_renders_as_a_table(page):
    from fgcourse.testfunctions import TEST_FUNCTIONS

    page.goto((HTML / "notebooks" / "test_functions.html").as_uri())
    rows = page.locator("table tbody tr")
    assert rows.count() >= len(TEST_FUNCTIONS)
    assert "| `sphere`" not in page.inner_text("main")


# Accessibility (WCAG 2.1 A and AA, and axe's best practices), measured by axe-core (pinned in
# assets/package.json, installed by `make assets`) on every page of both editions. No rule is
# disabled; an exclusion would be listed here, per element, with why. Each rule runs wherever its
# answer can change, and not again where it cannot (the colour rules, color-contrast and
# link-in-text-block, are most of axe's time: color-contrast alone is three quarters of it on the
# longest page):
# - full edition, 1280 px: every rule in light mode, and the colour rules in dark mode (the dark
#   theme changes colours only: the same DOM, laid out the same);
# - full edition, 390 px: every rule but the colour rules, in light mode, since the layout changes
#   (what is hidden, what scrolls); and the colour rules, in each mode, on every element whose colours
#   at 390 px are not those at 1280 px, or that only 390 px has (the pages' elements are matched by
#   tag in document order; today, none on most pages, and a figure's scroll hint on some);
# - student edition: a page that differs from its full page is that page with the solutions taken
#   out, under the same stylesheets, so every rule runs on it at 1280 px in light mode (for what
#   taking content out can change: headings, landmarks, empty containers), and its dark mode and
#   phone layout are those the full edition's checks have seen.
AXE = ROOT / "assets" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
STUDENT_HTML = Path(os.environ.get("FGCOURSE_STUDENT_HTML", ROOT / "_build" / "student-html"))


def all_pages(html: Path) -> list[Path]:
    """The book's pages and its generated ones: the proof index, the general index and search."""
    return book_pages_of(html) + [html / name for name in ("prf-prf.html", "genindex.html", "search.html")]


def book_pages_of(html: Path) -> list[Path]:
    return sorted(p for folder in ("book", "notebooks") for p in (html / folder).glob("*.html"))


def axe_violations(page, rules=None, without=(), only=None) -> list[str]:
    """axe-core's violations on the page: the given rules, or every rule of AXE_TAGS but ``without``;
    on the whole page, or ``only`` on the elements of those indices in document order (page_colours's)."""
    if not AXE.exists():
        pytest.fail(f"no axe-core at {AXE}: run `make assets`")
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE))
    options = {"resultTypes": ["violations"],
               "runOnly": {"type": "rule", "values": rules} if rules else {"type": "tag", "values": AXE_TAGS},
               "rules": {rule: {"enabled": False} for rule in without}}
    return page.evaluate(
        """async ([options, only]) => {
              const all = document.querySelectorAll('body *');
              const context = only === null ? document : {include: only.map(i => all[i])};
              return (await axe.run(context, options)).violations
                .map(v => `${v.id} (${v.nodes.length}): `
                          + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join('; ')); }""",
        [options, only],
    )


# Every element of the body, in document order: its tag, and its colours as the colour rules read them
# (one string, a line per element: Playwright passes one string back ten times faster than 18,000 lists).
COLOURS_JS = """() => Array.from(document.querySelectorAll('body *')).map(e => {
    const s = getComputedStyle(e);
    return e.tagName + '\\t'
        + [s.color, s.backgroundColor, s.backgroundImage, s.opacity, s.textDecorationLine].join('|');
}).join('\\n')"""


def page_colours(page) -> list[tuple[str, str]]:
    """``(tag, colours)`` of every element of the page's body, in document order (COLOURS_JS)."""
    return [tuple(line.split("\t", 1)) for line in page.evaluate(COLOURS_JS).split("\n")]


def set_theme(page, mode: str) -> None:
    if not page.evaluate("() => !!document.getElementById('fgcourse-no-fade')"):
        # the theme fades colours when its mode changes: the checks read them once the fade is over
        style = page.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
        style.evaluate("s => { s.id = 'fgcourse-no-fade'; }")
    page.evaluate("(mode) => { document.documentElement.dataset.theme = mode; }", mode)


def colours(page, mode: str) -> list[list[str]]:
    set_theme(page, mode)
    try:
        return page_colours(page)
    finally:
        set_theme(page, "light")


def recoloured(desktop: list, phone: list) -> list[int]:
    """The indices of the phone's elements whose colours are not the desktop's: the two pages' elements
    are matched by their tags in order (the phone may have elements that the desktop has not, or
    classes of its own), and an element that the desktop does not have counts as recoloured."""
    from difflib import SequenceMatcher

    # the same elements before the first and after the last difference of tags: matched in place
    # (difflib, quadratic at worst, only aligns what lies between: a few elements on today's pages)
    n = min(len(desktop), len(phone))
    head = next((i for i in range(n) if desktop[i][0] != phone[i][0]), n)
    tail = next((i for i in range(n - head) if desktop[-1 - i][0] != phone[-1 - i][0]), n - head)
    pairs = [(i, i) for i in range(head)] + [(len(desktop) - 1 - i, len(phone) - 1 - i) for i in range(tail)]
    middle = SequenceMatcher(None, [tag for tag, _ in desktop[head:len(desktop) - tail]],
                             [tag for tag, _ in phone[head:len(phone) - tail]], autojunk=False)
    changed = []
    for op, d0, _, p0, p1 in middle.get_opcodes():
        if op == "equal":
            pairs += [(head + d0 + i, head + p0 + i) for i in range(p1 - p0)]
        else:
            changed += range(head + p0, head + p1)
    changed += [p for d, p in pairs if desktop[d][1] != phone[p][1]]
    return sorted(changed)


def in_dark_mode(page, rules, only=None) -> tuple[list[str], list]:
    """axe-core's violations of ``rules`` in dark mode (on ``only``, as axe_violations), and the page's
    colours there (page_colours)."""
    set_theme(page, "dark")
    try:
        return axe_violations(page, rules, only=only), page_colours(page)
    finally:
        set_theme(page, "light")


def assert_accessible(desktop, phone, path) -> None:
    dark, desktop_dark = in_dark_mode(desktop, COLOUR_RULES)
    found = {"1280 px, light": axe_violations(desktop), "1280 px, dark": dark,
             "390 px, light": axe_violations(phone, without=COLOUR_RULES)}
    changed = {"light": recoloured(page_colours(desktop), page_colours(phone)),
               "dark": recoloured(desktop_dark, colours(phone, "dark"))}
    if changed["light"]:
        found["390 px, light, recoloured elements"] = axe_violations(phone, COLOUR_RULES, only=changed["light"])
    if changed["dark"]:
        found["390 px, dark, recoloured elements"] = in_dark_mode(phone, COLOUR_RULES, only=changed["dark"])[0]
    found = {where: v for where, v in found.items() if v}
    assert found == {}, f"{path.name}: axe-core finds {found}"


def test_an_element_recoloured_at_390_px_is_checked_there(browser):
    # what lets the colour rules run once for both widths: an element whose colours change with the
    # width is found, and the colour rules run on it at 390 px
    path = HTML / "book" / "intro.html"
    pages = [Window(browser), Window(browser, **PHONE_OPTIONS)]
    try:
        desktop, phone = (window.open(path) for window in pages)
        assert recoloured(colours(desktop, "dark"), colours(phone, "dark")) == []
        phone.add_style_tag(content="@media (max-width: 500px) { html[data-theme=dark] article p { color: #555; } }")
        assert recoloured(colours(desktop, "light"), colours(phone, "light")) == []
        changed = recoloured(colours(desktop, "dark"), colours(phone, "dark"))
        paragraphs = phone.evaluate("""changed => { const all = Array.from(document.querySelectorAll('body *'));
            return [Array.from(document.querySelectorAll('article p')).map(p => all.indexOf(p)),
                    changed.every(i => all[i].closest('article p') !== null)]; }""", changed)
        assert len(paragraphs[0]) > 5 and set(paragraphs[0]) <= set(changed) and paragraphs[1]
        with pytest.raises(AssertionError, match=r"390 px, dark, recoloured elements.*color-contrast"):
            assert_accessible(desktop, phone, path)
    finally:
        for window in pages:
            window.close()


@pytest.fixture(scope="module")
def student_desktop(browser):
    yield from opened(browser)


def body_of(path: Path) -> str:
    text = path.read_text(errors="replace")
    return text[text.find("<body"):]


def student_page_of_its_own(path: Path) -> bool:
    """Whether the student edition's page differs from the full edition's (its solutions taken out)."""
    full = HTML / path.relative_to(STUDENT_HTML)
    return not (full.exists() and body_of(full) == body_of(path))


@pytest.mark.parametrize("path", all_pages(HTML), ids=lambda p: str(p.relative_to(HTML)))
def test_axe_finds_nothing_on_a_desktop_and_on_a_phone(desktop, phone_window, path):
    assert_accessible(desktop.open(path), phone_window.open(path), path)


@pytest.mark.parametrize("path", all_pages(STUDENT_HTML), ids=lambda p: "student/" + str(p.relative_to(STUDENT_HTML)))
def test_axe_finds_nothing_in_the_student_edition(student_desktop, path):
    if not (STUDENT_HTML / "index.html").exists():
        pytest.fail(f"no student edition at {STUDENT_HTML}: run `make book-student` first")
    if not student_page_of_its_own(path):
        return  # the same page as the full edition's, which test_axe_finds_nothing_on_a_desktop_and_on_a_phone checks
    found = axe_violations(student_desktop.open(path))
    assert found == [], f"{path.name} (student edition, 1280 px, light): axe-core finds {found}"


@pytest.mark.parametrize("path", all_pages(STUDENT_HTML), ids=lambda p: "student/" + str(p.relative_to(STUDENT_HTML)))
def test_figure_text_is_at_least_9_css_px_in_the_student_edition(student_desktop, path):
    # a page of its own (not the full edition's) shows its figures at the sizes of the full edition's
    # stylesheets; at 1280 px, where the test above has just loaded it
    if student_page_of_its_own(path):
        assert_figure_text_readable(student_desktop.open(path), path, "student edition, 1280 px")


@pytest.mark.parametrize("path", explorer_pages(), ids=lambda p: str(p.relative_to(HTML)))
def test_sliders_announce_their_value_and_disabled_controls_are_inert(desktop, path):
    page = desktop.open(path)
    page.wait_for_selector(".fgcourse-explorer", state="visible", timeout=15000)
    for slider in page.query_selector_all(".fgcourse-explorer .widget-slider, .fgcourse-explorer .widget-hslider"):
        handle, readout = slider.query_selector(".noUi-handle"), slider.query_selector(".widget-readout")
        shown = readout.text_content().strip()
        said = handle.get_attribute("aria-valuetext")
        assert said == shown, f"the slider says {said!r} to a screen reader, and shows {shown!r}"
        assert readout.get_attribute("contenteditable") == "false", "a slider's readout can be edited"
        if slider.evaluate("s => !s.closest('.fgcourse-needs-kernel')"):
            move_slider(page, slider)
            page.wait_for_function("([h, r, before]) => r.textContent.trim() !== before"
                                   " && h.getAttribute('aria-valuetext') === r.textContent.trim()",
                                   arg=[handle, readout, shown], timeout=5000)
    for control in page.query_selector_all(".fgcourse-needs-kernel.fgcourse-disabled"):
        # out of the tab order and inert: focus() does not reach it, so neither do keys nor typing
        reachable = control.evaluate(
            """c => Array.from(c.querySelectorAll('.noUi-handle, select, input, .widget-readout'))
                     .filter(e => { e.focus(); return document.activeElement === e; }).map(e => e.className)""")
        assert reachable == [], f"a disabled control can be focused: {reachable}"
        before = control.evaluate("c => Array.from(c.querySelectorAll('.noUi-handle'))"
                                  ".map(h => h.getAttribute('aria-valuenow'))")
        control.click(force=True)
        page.keyboard.press("ArrowRight")
        page.keyboard.type("16")
        assert control.evaluate("c => Array.from(c.querySelectorAll('.noUi-handle'))"
                                ".map(h => h.getAttribute('aria-valuenow'))") == before


# Print (`make pdf`, tools/print_pdf.py): Chromium lays a printed page out at the width between the
# A4 page's margins of the print stylesheet (210 mm - 2 x 14 mm = 182 mm, 688 CSS px). Laid out so,
# with the print media rules, no text may reach past that width: it would be cut in the PDF.
PRINT_WIDTH = round((210 - 2 * 14) / 25.4 * 96)
TEXT_PAST_THE_MARGIN = """() => {
    const limit = document.documentElement.clientWidth + 1, found = [];
    const walker = document.createTreeWalker(document.querySelector('article') || document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node && found.length < 5; node = walker.nextNode()) {
        if (!node.textContent.trim() || !node.parentElement
            || node.parentElement.closest('mjx-assistive-mml')) continue;
        range.selectNodeContents(node);
        const box = range.getBoundingClientRect();
        if (box.width > 0 && box.right > limit)
            found.push(`${node.textContent.trim().slice(0, 40)} (${Math.round(box.right)} px)`);
    }
    const mathOut = Array.from(document.querySelectorAll('article mjx-container, article img, article table'))
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().right > limit)
        .slice(0, 5).map(e => `${e.tagName} (${Math.round(e.getBoundingClientRect().right)} px)`);
    return found.concat(mathOut);
}"""


@pytest.mark.parametrize("path", book_pages(), ids=lambda p: str(p.relative_to(HTML)))
def test_printed_page_has_no_text_beyond_its_margins(desktop, path):
    page = desktop.open(path)
    page.set_viewport_size({"width": PRINT_WIDTH, "height": 1000})
    page.emulate_media(media="print")
    try:
        page.wait_for_timeout(100)
        beyond = page.evaluate(TEXT_PAST_THE_MARGIN)
        hidden = page.evaluate("() => ['.bd-sidebar-primary', '.bd-header', '.bd-footer-content',"
                               " '.fgcourse-kernel-hint']"
                               ".flatMap(s => Array.from(document.querySelectorAll(s)))"
                               ".filter(e => e.offsetParent !== null).map(e => e.className)")
    finally:
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 1280, "height": 720})
    assert beyond == [], f"{path.name} printed: text beyond the right margin: {beyond}"
    assert hidden == [], f"{path.name} printed: screen-only parts print: {hidden}"


# Pages whose printed width is hard to keep: a wide table (chains), long formulas (checkpointing), code
# and its outputs (a notebook). test_printed_page_has_no_text_beyond_its_margins checks every page in
# the browser's print layout; this test reads the PDFs that `make pdf` writes.
PRINTED = ["book/chains", "book/checkpointing", "notebooks/line_search"]
A4 = (595.28, 841.89)  # points
PRINT_MARGINS = (14 / 25.4 * 72, 16 / 25.4 * 72)  # @page margin: 16mm 14mm, in points (left/right, top/bottom)


def printed_pages(pdf: Path):
    """The pages of ``pdf`` as pdfminer lays them out, characters and all (without its layout analysis,
    which groups characters into lines and boxes, and which this check does not need)."""
    import logging

    from pdfminer.converter import PDFPageAggregator
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # MathJax's fonts have no FontBBox: pdfminer says so
    resources = PDFResourceManager()
    device = PDFPageAggregator(resources, laparams=None)
    interpreter = PDFPageInterpreter(resources, device)
    with pdf.open("rb") as handle:
        for page in PDFPage.get_pages(handle):
            interpreter.process_page(page)
            yield device.get_result()


def characters_beyond_the_margins(pdf: Path) -> list[str]:
    """Every character of ``pdf`` whose box reaches beyond the left or right margin of its page, to 1 pt.
    (A page breaks its text at the bottom margin: only the sides can cut it.)"""
    from pdfminer.layout import LTChar

    def characters(item):
        if isinstance(item, LTChar):
            yield item
        for child in getattr(item, "_objs", ()):
            yield from characters(child)

    found = []
    for number, page in enumerate(printed_pages(pdf), 1):
        left, _, right, _ = page.bbox
        (dx, _), tolerance = PRINT_MARGINS, 1.0
        outside = [c for c in characters(page) if c.get_text().strip()
                   and (c.x0 < left + dx - tolerance or c.x1 > right - dx + tolerance)]
        found += [f"page {number}: {c.get_text()!r} at x {c.x0:.0f}-{c.x1:.0f} pt" for c in outside[:3]]
    return found


BODY_TEXT_PT = 12.0  # 16 CSS px


def body_text_size(pdf: Path) -> float:
    """The commonest size of the characters of the first page, in points (a page that Chromium shrinks to
    fit something too wide shrinks all of its text)."""
    from collections import Counter

    first = next(iter(printed_pages(pdf)))
    return Counter(round(c.size, 2) for c in first._objs if hasattr(c, "size")).most_common(1)[0][0]


def test_make_pdf_prints_chapters_to_a4_pdfs_with_every_character_inside_the_margins(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, str(ROOT / "tools" / "print_pdf.py"), "--html", str(HTML), "--out",
                           str(tmp_path), *PRINTED], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    for name in PRINTED:
        pdf = tmp_path / (name.replace("/", "-") + ".pdf")
        pages = [page.bbox for page in printed_pages(pdf)]
        assert len(pages) >= 3, f"{pdf.name}: {len(pages)} pages"  # a chapter
        assert all(abs(box[2] - A4[0]) < 1 and abs(box[3] - A4[1]) < 1 for box in pages), f"{pdf.name}: not A4"
        beyond = characters_beyond_the_margins(pdf)
        assert beyond == [], f"{pdf.name}: text beyond the margins: {beyond}"
        assert body_text_size(pdf) == pytest.approx(BODY_TEXT_PT), f"{pdf.name}: shrunk to fit the page"


def test_a_pdf_cut_at_its_margin_or_shrunk_to_fit_is_found(page, tmp_path):
    # the two ways a page too wide for A4 prints: a box that hides its overflow cuts its text at the
    # margin (a character straddles it), and text too wide for the page makes Chromium shrink the page
    line = "far beyond the right margin " * 12
    for name, wide in {"cut": f"<div style='overflow: hidden; white-space: nowrap'>{line}</div>",
                       "shrunk": f"<p style='white-space: nowrap'>{line}</p>"}.items():
        page.set_content(f"<style>@page {{ size: A4; margin: 16mm 14mm; }}</style><p>inside</p>{wide}")
        page.pdf(path=str(tmp_path / f"{name}.pdf"), format="A4", prefer_css_page_size=True)
    cut = characters_beyond_the_margins(tmp_path / "cut.pdf")
    assert cut and all(found.startswith("page 1: ") for found in cut), cut
    assert body_text_size(tmp_path / "cut.pdf") == pytest.approx(BODY_TEXT_PT)
    assert characters_beyond_the_margins(tmp_path / "shrunk.pdf") == []
    assert body_text_size(tmp_path / "shrunk.pdf") < 0.9 * BODY_TEXT_PT
