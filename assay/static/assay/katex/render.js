// Math in rendered Markdown. The server marks it (assay/render.py): each
// <span class="math inline"> and <div class="math block"> holds escaped TeX, and only
// those are typeset, so a dollar sign in ordinary text ("$5 and $10") stays text.
// Untrusted text stays text: trust is off (no \href, \url, \includegraphics, HTML
// extensions), errors are shown in place instead of thrown, and macros a text defines
// cannot outgrow maxExpand. Runs on page load and on every piece htmx swaps in.
(function () {
  "use strict";
  const OPTIONS = { throwOnError: false, trust: false, strict: "ignore", maxExpand: 1000, maxSize: 20 };

  function render(root) {
    if (!window.katex || !root || !root.querySelectorAll) return;
    const found = Array.from(root.querySelectorAll(".math.inline, .math.block"));
    if (root.classList && root.classList.contains("math")) found.push(root);
    found.forEach((el) => {
      if (el.dataset.math === "done") return;
      el.dataset.math = "done";
      const tex = el.textContent;
      window.katex.render(tex, el, Object.assign({ displayMode: el.classList.contains("block") || el.tagName === "DIV" }, OPTIONS));
    });
  }

  document.addEventListener("DOMContentLoaded", () => render(document.body));
  document.addEventListener("htmx:load", (event) => render(event.target));
})();
