"""Keep the HTML book self-contained: it must work opened from disk with no network.

- Jupyter Book always loads sphinx-thebe, which puts a script pointing at a CDN on every page
  (twice, which also raises a JavaScript error). The book offers no live kernel, so its
  scripts and stylesheet are dropped from every page.
- The ipywidgets HTML manager typesets widget labels through MathJax 2's ``MathJax.Hub.Queue``;
  the book uses MathJax 3, so a small shim routes those calls to ``MathJax.typesetPromise``.
"""

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
        text = f"{getattr(asset, 'filename', asset)} {getattr(asset, 'attributes', {}).get('body', '')}"
        return "thebe" not in text.lower()

    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if keep(asset)]


def setup(app):
    app.connect("html-page-context", _drop_thebe, priority=900)
    app.add_js_file(None, body=MATHJAX2_SHIM, priority=1000)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
