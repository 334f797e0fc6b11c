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
