"""Keep the HTML book self-contained: it must work opened from disk with no network.

- Jupyter Book always loads sphinx-thebe, which puts a script pointing at a CDN on every page
  (twice, which also raises a JavaScript error). The book offers no live kernel, so its
  scripts and stylesheet are dropped from every page.
- The download menu offers no page source: the book ships no ``_sources/`` (only "print").
- Search excerpts work from disk: the pages' text is written to ``_static/fg-search-pages.js``.
- The theme's colour mode is set ("auto"), so that no page logs an invalid-mode error.
- ``book/_static`` adds the course's own stylesheet and script: pages read on a phone without
  sideways panning (long inline code wraps, wide inline formulas scroll in their own box,
  explorer figures keep their natural size in a box that scrolls), and explorer controls that
  were not precomputed (class ``fgcourse-needs-kernel``) disabled with a "needs a running
  kernel" hint, since the book has no kernel to redraw for them.
- After the build, the notebooks' figures are stored as palette PNGs and the theme's source maps
  are dropped: the book readers download is about a third lighter.
- In the navigation, a chapter's hands-on page is listed without its section number: the
  chapter's own sections (1.1 to 1.9) are headings of its page, which the navigation does not
  list, so the numbers would jump from "1." to "1.10". The page keeps its number in its title.
- The ipywidgets HTML manager typesets widget labels through MathJax 2's ``MathJax.Hub.Queue``;
  the book uses MathJax 3, so a small shim routes those calls to ``MathJax.typesetPromise``.
"""

import io
import pathlib
import re

MATHJAX2_SHIM = """
(function () {
  function queue() {
    if (!window.MathJax || !window.MathJax.typesetPromise) return;
    for (const job of arguments) {
      if (Array.isArray(job) && job[0] === "Typeset") window.MathJax.typesetPromise(job.slice(2).filter(Boolean));
    }
  }
  window.MathJax = window.MathJax || {};
  window.MathJax.Hub = { Queue: queue };
  const startup = window.MathJax.startup || {};
  window.MathJax.startup = Object.assign(startup, {
    ready() { window.MathJax.startup.defaultReady(); window.MathJax.Hub = { Queue: queue }; },
  });
})();
"""


def _drop_thebe(app, pagename, templatename, context, doctree):
    def keep(asset):
        attributes = getattr(asset, "attributes", {})
        if attributes.get("type") == "application/vnd.jupyter.widget-state+json":
            return True  # saved widgets: their base64 figures may spell "thebe" by chance (Beale's did)
        text = f"{getattr(asset, 'filename', asset)} {attributes.get('body', '')}"
        return "thebe" not in text.lower()

    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if keep(asset)]


def _default_mode(app, pagename, templatename, context, doctree):
    # pydata-sphinx-theme's layout writes the template variable default_mode into <html data-mode>;
    # left empty, the first page a reader opens logs "Got invalid theme mode: . Resetting to auto."
    if not context.get("default_mode"):
        context["default_mode"] = "auto"


def _drop_source_downloads(app, pagename, templatename, context, doctree):
    # The theme's download menu offers the page's source (.md, .ipynb) from _sources/, which the
    # book does not ship (html_copy_source: false): those items would lead nowhere. Print stays.
    for group in context.get("header_buttons", []):
        if group.get("type") == "group":
            group["buttons"] = [b for b in group.get("buttons", []) if "_sources" not in str(b.get("url", ""))]


SECTION_NUMBER = re.compile(r"^\s*\d+(\.\d+)+\.\s*")


def _sidebar_sections_unnumbered(app, pagename, templatename, context, doctree):
    generate = context.get("generate_toctree_html")
    if generate is None:
        return

    def unnumbered(kind, *args, **kwargs):
        soup = generate(kind, *args, **kwargs)  # the theme's (cached) BeautifulSoup of the navigation
        if kind == "sidebar":
            for link in soup.select("li.toctree-l2 > a"):
                first = link.find(string=True)
                if first is not None and SECTION_NUMBER.match(first):
                    first.replace_with(SECTION_NUMBER.sub("", first, count=1))
        return soup

    context["generate_toctree_html"] = unnumbered


STATIC = str(pathlib.Path(__file__).resolve().parents[1] / "_static")


def _add_static(app, config):
    config.html_static_path.append(STATIC)


PALETTE_COLORS = 128


def _lighter_output(app, exception):
    """What readers download, and nothing they do not: the notebooks' figures as palette PNGs
    (a third of the bytes, the same look for line plots), and no source maps of the theme's
    scripts and styles (only a browser's developer tools ever fetch them)."""
    if exception is not None or app.builder.format != "html":
        return
    from PIL import Image

    out = pathlib.Path(app.outdir)
    for path in (out / "_images").glob("*.png"):
        with Image.open(path) as image:
            if image.mode == "P":
                continue
            smaller = image.convert("RGB").quantize(PALETTE_COLORS, method=Image.Quantize.FASTOCTREE)
        buffer = io.BytesIO()
        smaller.save(buffer, format="png", optimize=True)
        if buffer.tell() < path.stat().st_size:
            path.write_bytes(buffer.getvalue())
    for path in (out / "_static").rglob("*.map"):
        path.unlink()


def _search_pages(app, exception):
    """The text of every page, for the search page's excerpts: Sphinx's search fetches each page found
    to quote it, which a browser refuses for a book opened from disk (file://). The pages' main
    content (section ids kept, no scripts, images or widget state) goes into
    _static/fg-search-pages.js, which book/_static/fgcourse.js serves to those fetches."""
    if exception is not None or app.builder.format != "html":
        return
    import json

    from bs4 import BeautifulSoup

    out = pathlib.Path(app.outdir)
    pages = {}
    for path in sorted(p for folder in ("book", "notebooks") for p in (out / folder).glob("*.html")):
        main = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").find(attrs={"role": "main"})
        if main is None:
            continue
        for junk in main.find_all(["script", "style", "img", "svg", "noscript", "button", "nav", "form"]):
            junk.decompose()
        # outputs and widgets, the printed contents list, the title's "#" links, the buttons' header
        for junk in main.select(".cell_output, .onlyprint, .headerlink, .bd-header-article, .prev-next-area"):
            junk.decompose()
        for tag in main.find_all(True):
            tag.attrs = {key: value for key, value in tag.attrs.items() if key in ("id", "role")}
        pages[path.relative_to(out).as_posix()] = str(main)
    (out / "_static" / "fg-search-pages.js").write_text(
        "window.FG_SEARCH_PAGES = " + json.dumps(pages, ensure_ascii=False) + ";\n", encoding="utf-8")


def setup(app):
    app.connect("build-finished", _lighter_output)
    app.connect("build-finished", _search_pages)
    app.connect("config-inited", _add_static)
    app.add_css_file("fgcourse.css")
    app.add_js_file("fgcourse.js")
    app.connect("html-page-context", _default_mode)
    app.connect("html-page-context", _drop_thebe, priority=900)
    app.connect("html-page-context", _drop_source_downloads, priority=902)
    app.connect("html-page-context", _sidebar_sections_unnumbered, priority=903)
    app.add_js_file(None, body=MATHJAX2_SHIM, priority=1000)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
