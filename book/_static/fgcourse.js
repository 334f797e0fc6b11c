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
    control.querySelectorAll(".noUi-handle").forEach(function (e) { e.setAttribute("tabindex", "-1"); });
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
