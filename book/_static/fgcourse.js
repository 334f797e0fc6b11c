// After MathJax has typeset the page, an inline formula wider than the text column gets its
// own horizontal scroll (class fg-wide-math, see fgcourse.css) instead of being clipped.
(function () {
  function markWideMath() {
    document.querySelectorAll('mjx-container:not([display="true"])').forEach(function (math) {
      var column = math.closest("p, li, td, dd, div") || document.body;
      if (math.getBoundingClientRect().width > column.clientWidth) math.classList.add("fg-wide-math");
    });
  }
  function whenTypeset() {
    if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
      window.MathJax.startup.promise.then(markWideMath);
    } else {
      markWideMath();
    }
  }
  window.addEventListener("load", whenTypeset);
  window.addEventListener("resize", markWideMath);
})();

// An explorer's figure keeps its natural size (its text stays readable); where the screen is
// narrower, its box scrolls sideways. Such a box gets a visible cue: a hint above it and a shadow
// at its right edge (class fg-scrolls, see fgcourse.css).
(function () {
  var HINT = "The figure is wider than the screen: swipe or scroll it sideways to see all of it.";
  function markScrolling() {
    document.querySelectorAll(".fgcourse-explorer .fgcourse-figure").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      box.classList.toggle("fg-scrolls", scrolls);
      if (scrolls) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "figure, scrolls sideways");
      }
      var hint = box.previousElementSibling;
      var has = hint && hint.classList.contains("fgcourse-scroll-hint");
      if (scrolls && !has) {
        hint = document.createElement("span");
        hint.className = "fgcourse-scroll-hint";
        hint.textContent = HINT;
        box.parentNode.insertBefore(hint, box);
      } else if (!scrolls && has) {
        hint.remove();
      }
    });
  }
  var pending = false;
  function soon() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; markScrolling(); });
  }
  function watch() {
    markScrolling();
    new MutationObserver(soon).observe(document.body, { childList: true, subtree: true });
    window.addEventListener("resize", soon);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
})();

// Explorers (fgcourse.explorer): the book has no kernel, so a control whose settings were not
// precomputed (class fgcourse-needs-kernel) would move without changing the figure. It is
// disabled here, with a hint; in Jupyter this script does not run and the control stays live.
// Widgets are rendered after the page has loaded, so new ones are watched for.
(function () {
  var HINT = "needs a running kernel";
  function disable(control) {
    control.classList.add("fgcourse-disabled");
    control.setAttribute("aria-disabled", "true");
    control.title = HINT;
    control.querySelectorAll("input, select, button, textarea").forEach(function (e) { e.disabled = true; });
    control.querySelectorAll(".noUi-target").forEach(function (e) { e.setAttribute("disabled", "true"); });
    control.querySelectorAll(".noUi-handle").forEach(function (e) {
      e.setAttribute("tabindex", "-1");
      e.setAttribute("aria-disabled", "true");
    });
    // inert: no focus, no typing, no pointer; the label and the hint stay readable
    control.querySelectorAll(".noUi-target, .widget-readout, select, input, textarea").forEach(function (e) {
      e.inert = true;
      if (e.classList.contains("widget-readout")) e.setAttribute("contenteditable", "false");
    });
    var hint = document.createElement("span");
    hint.className = "fgcourse-kernel-hint";
    hint.textContent = HINT;
    control.appendChild(hint);
  }
  function disableAll() {
    document.querySelectorAll(".fgcourse-needs-kernel:not(.fgcourse-disabled)").forEach(disable);
  }
  function watch() {
    disableAll();
    new MutationObserver(disableAll).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
})();

// Accessibility of the theme's and the widgets' markup (WCAG 2.1 AA, checked by axe-core in
// tests/test_browser.py), where the generated HTML lacks it:
// - the sidebar's expanders (<summary>) get a name: "sections of <chapter>";
// - the book's title link at the top of the sidebar sits in a navigation landmark;
// - bibliography entries are list items of the citation list (role doc-biblioentry is deprecated
//   and not allowed on a div);
// - a table, formula, code block or output that scrolls sideways can be reached by keyboard
//   (tabindex 0, with a name) and shows a cue: a dashed frame and a shadow at its right edge
//   (class fg-scrolls, see fgcourse.css);
// - a slider's handle is named by its label and announces its value as the readout shows it
//   (aria-valuetext "64", not the position "5"); the readout is read-only (the book has no kernel:
//   a typed value would show a number the figure does not).
(function () {
  var SCROLLERS = "article table, article .pst-scrollable-table-container, article mjx-container[display='true'], "
    + "article mjx-container.fg-wide-math, article div.highlight pre, article .cell_output .output, "
    + "article .fgcourse-figure";
  var counter = 0;
  function uid(prefix) { counter += 1; return prefix + "-" + counter; }
  function once() {
    document.querySelectorAll(".bd-sidebar-primary details > summary:not([aria-label])").forEach(function (s) {
      var link = s.parentElement.parentElement.querySelector(":scope > a");
      s.setAttribute("aria-label", "sections of " + (link ? link.textContent.trim() : "this chapter"));
    });
    document.querySelectorAll(".sidebar-primary-item").forEach(function (item) {
      if (item.querySelector(".navbar-brand") && !item.closest("nav, [role='navigation']")) {
        item.setAttribute("role", "navigation");
        item.setAttribute("aria-label", "book title");
      }
    });
    document.querySelectorAll("[role='doc-biblioentry']").forEach(function (e) { e.setAttribute("role", "listitem"); });
  }
  function scrollers() {
    document.querySelectorAll(SCROLLERS).forEach(function (box) {
      var style = window.getComputedStyle(box);
      var scrolls = box.scrollWidth > box.clientWidth + 1 && /(auto|scroll)/.test(style.overflowX)
        && box.offsetParent !== null;
      // an element inside a box that scrolls already has its cue
      if (scrolls && box.parentElement && box.parentElement.closest(".fg-scrolls")) scrolls = false;
      box.classList.toggle("fg-scrolls", scrolls);
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.fgTabindex = "1";
        if (!box.hasAttribute("role")) {
          box.setAttribute("role", "region");
          box.dataset.fgRole = "1";
        }
        if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
          // a name of its own: regions of one page must be told apart (axe: landmark-unique)
          var kind = { TABLE: "table", PRE: "code", "MJX-CONTAINER": "formula" }[box.tagName]
            || (box.classList.contains("fgcourse-figure") ? "figure" : "output");
          counter += 1;
          box.setAttribute("aria-label", kind + " " + counter + ", scrolls sideways");
          box.dataset.fgLabel = "1";
        }
      } else if (!scrolls && box.dataset.fgTabindex) {
        box.removeAttribute("tabindex");
        delete box.dataset.fgTabindex;
        if (box.dataset.fgRole) { box.removeAttribute("role"); delete box.dataset.fgRole; }
        if (box.dataset.fgLabel) { box.removeAttribute("aria-label"); delete box.dataset.fgLabel; }
      }
    });
  }
  function sliders() {
    document.querySelectorAll(".widget-slider, .widget-hslider").forEach(function (slider) {
      var label = slider.querySelector(".widget-label");
      var readout = slider.querySelector(".widget-readout");
      if (readout && readout.getAttribute("contenteditable") !== "false") {
        readout.setAttribute("contenteditable", "false");
        readout.setAttribute("aria-hidden", "true");  // the handle announces the same value
      }
      slider.querySelectorAll(".noUi-handle").forEach(function (handle) {
        if (label && label.textContent.trim()) {
          if (!label.id) label.id = uid("fg-slider-label");
          if (handle.getAttribute("aria-labelledby") !== label.id) handle.setAttribute("aria-labelledby", label.id);
        } else if (!handle.hasAttribute("aria-label")) {
          handle.setAttribute("aria-label", "slider");
        }
        var text = readout ? readout.textContent.trim() : "";
        if (text && handle.getAttribute("aria-valuetext") !== text) handle.setAttribute("aria-valuetext", text);
      });
    });
  }
  var pending = false;
  function update() {
    pending = false;
    once();
    sliders();
    scrollers();
  }
  function soon() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(update);
  }
  function watch() {
    update();
    new MutationObserver(function (records) {
      // a slider's readout or handle changed: its value text follows at once (not a frame later)
      if (records.some(function (r) { return r.target.nodeType !== 1 || !r.target.closest || r.target.closest(".widget-slider, .widget-hslider"); })) sliders();
      soon();
    }).observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true,
                                attributeFilter: ["aria-valuetext", "aria-valuenow"] });
    window.addEventListener("resize", soon);
    window.addEventListener("load", soon);
    if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
      window.MathJax.startup.promise.then(soon);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
})();

// The chapters' exercise notebooks: opened from disk (file://), a page cannot make the browser
// save another file (the "download" attribute only holds within one origin), so the notebook the
// page carries (data-fg-notebook, see book/_ext/exercise_notebooks.py) is offered as a blob.
(function () {
  function offer() {
    if (window.location.protocol !== "file:") return;
    document.querySelectorAll("a[download][data-fg-notebook]").forEach(function (link) {
      var bytes = window.atob(link.dataset.fgNotebook);
      var data = new Uint8Array(bytes.length);
      for (var i = 0; i < bytes.length; i += 1) data[i] = bytes.charCodeAt(i);
      link.href = URL.createObjectURL(new Blob([data], { type: "application/x-ipynb+json" }));
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", offer);
  else offer();
})();

// Search from disk: Sphinx's search quotes each page it finds by fetching it, which browsers refuse
// under file://, so results showed titles only. There the pages' text comes from
// _static/fg-search-pages.js (written when the book is built), loaded on first use.
(function () {
  if (window.location.protocol !== "file:" || !window.fetch) return;
  var root = document.documentElement.dataset.content_root || "./";
  var loaded = null;
  function pages() {
    if (!loaded) {
      loaded = new Promise(function (resolve) {
        var script = document.createElement("script");
        script.src = root + "_static/fg-search-pages.js";
        script.onload = function () { resolve(window.FG_SEARCH_PAGES || {}); };
        script.onerror = function () { resolve({}); };
        document.head.appendChild(script);
      });
    }
    return loaded;
  }
  var base = new URL(root, window.location.href).href;
  var original = window.fetch;
  window.fetch = function (resource) {
    var url = typeof resource === "string" ? new URL(resource, window.location.href).href : "";
    if (url.indexOf(base) !== 0 || !/\.html$/.test(url)) return original.apply(this, arguments);
    var key = url.slice(base.length), self = this, args = arguments;
    return pages().then(function (texts) {
      if (!(key in texts)) return original.apply(self, args);
      return new Response("<html><body>" + texts[key] + "</body></html>", { headers: { "Content-Type": "text/html" } });
    });
  };
})();

// Long identifiers (sum_of_different_powers, fgcourse.chains.jvp) may wrap only where a reader
// would split them: after an underscore, a dot or a slash (an invisible <wbr> there), never
// inside a word; a table column then narrows without cutting "beale" into "beal/e".
(function () {
  function breakable() {
    document.querySelectorAll("article code").forEach(function (code) {
      if (code.closest("pre") || code.dataset.fgWbr || code.textContent.length < 13) return;
      code.dataset.fgWbr = "1";
      var walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
      var nodes = [];
      for (var node = walker.nextNode(); node; node = walker.nextNode()) nodes.push(node);
      nodes.forEach(function (text) {
        var parts = text.textContent.split(/(?<=[._/])(?=[^._/])/);
        if (parts.length < 2) return;
        var fragment = document.createDocumentFragment();
        parts.forEach(function (part, i) {
          if (i > 0) fragment.appendChild(document.createElement("wbr"));
          fragment.appendChild(document.createTextNode(part));
        });
        text.parentNode.replaceChild(fragment, text);
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", breakable);
  else breakable();
})();
