// Math in rendered Markdown (every ".md" element): KaTeX's auto-render, run on page
// load and on every piece of page htmx swaps in (task forms arrive that way).
// Untrusted text stays text: trust is off (no \href, \url, \includegraphics, HTML
// extensions), errors are shown in place instead of thrown, and macros a text defines
// cannot outgrow maxExpand.
(function () {
  "use strict";
  const OPTIONS = {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "\\(", right: "\\)", display: false },
      { left: "$", right: "$", display: false },
    ],
    throwOnError: false,
    trust: false,
    strict: "ignore",
    maxExpand: 1000,
    maxSize: 20,
  };

  function render(root) {
    if (typeof window.renderMathInElement !== "function" || !root || !root.querySelectorAll) return;
    const found = Array.from(root.querySelectorAll(".md"));
    if (root.classList && root.classList.contains("md")) found.push(root);
    found.forEach((el) => {
      if (el.dataset.math === "done") return;
      el.dataset.math = "done";
      window.renderMathInElement(el, OPTIONS);
    });
  }

  document.addEventListener("DOMContentLoaded", () => render(document.body));
  document.addEventListener("htmx:load", (event) => render(event.target));
})();
