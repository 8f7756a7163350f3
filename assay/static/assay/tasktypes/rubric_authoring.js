// Rubric authoring (assay/tasktypes/rubric_authoring): plain numbered form fields, so the
// form works without script. This adds a count of written criteria, "a" to jump to the
// next empty criterion (opening "More criteria" when the first rows are used), and
// reopens "More criteria" when a restored draft has text there.
(function () {
  "use strict";
  const form = () => {
    const f = document.getElementById("judgment-form");
    return f && f.dataset.taskType === "rubric_authoring" ? f : null;
  };
  const rows = (f) => Array.from(f.querySelectorAll(".criterion[data-row]"));
  const used = (row) => Array.from(row.querySelectorAll("textarea")).some((t) => t.value.trim());

  function count(f) {
    const out = document.getElementById("criteria-count");
    const n = rows(f).filter(used).length;
    if (out) out.textContent = n + " criteri" + (n === 1 ? "on" : "a") + " written";
    const more = document.getElementById("more-criteria");
    if (more && rows(f).some((row) => more.contains(row) && used(row))) more.open = true;
  }

  document.addEventListener("keydown", (event) => {
    const f = form();
    if (!f || event.key !== "a" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.matches("textarea, input, select")) return;
    const next = rows(f).find((row) => !used(row));
    if (!next) return;
    event.preventDefault();
    const more = document.getElementById("more-criteria");
    if (more && more.contains(next)) more.open = true;
    next.querySelector("textarea").focus();
  });

  document.addEventListener("input", () => { const f = form(); if (f) count(f); });
  document.addEventListener("assay:restored", () => { const f = form(); if (f) count(f); });
  document.addEventListener("htmx:load", () => { const f = form(); if (f) count(f); });
})();
