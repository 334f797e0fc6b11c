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
