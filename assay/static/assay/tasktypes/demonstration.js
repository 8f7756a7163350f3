// Demonstration writing (assay/tasktypes/demonstration): plain form fields, a live word
// count against the project's length guide, and keys outside the text boxes: w writes
// the response, 1 to 9 tick checklist items, / writes a note.
(function () {
  "use strict";
  const form = () => {
    const f = document.getElementById("judgment-form");
    return f && f.dataset.taskType === "demonstration" ? f : null;
  };
  // Counted like the server's str.split().
  const words = (text) => text.split(/\s+/).filter(Boolean).length;

  function count(f) {
    const box = document.getElementById("demonstration");
    const guide = document.getElementById("length-guide");
    if (!box || !guide) return;
    const n = words(f.elements.response.value);
    const min = Number(box.dataset.minWords), max = Number(box.dataset.maxWords);
    document.getElementById("word-count").textContent = String(n);
    guide.classList.toggle("out", n < min || n > max);
    guide.title = n < min ? (min - n) + " more words needed" : n > max ? (n - max) + " words too many" : "within the guide";
  }

  document.addEventListener("keydown", (event) => {
    const f = form();
    if (!f || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.matches("textarea, input[type=text]")) return;
    const key = event.key;
    if (key === "w") { event.preventDefault(); f.elements.response.focus(); return; }
    if (key === "/") { event.preventDefault(); f.elements.notes.focus(); return; }
    const checks = f.querySelectorAll("input[name=checklist]");
    if (/^[1-9]$/.test(key) && Number(key) <= checks.length) {
      event.preventDefault();
      const box = checks[Number(key) - 1];
      box.checked = !box.checked;
      box.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  document.addEventListener("input", () => { const f = form(); if (f) count(f); });
  document.addEventListener("assay:restored", () => {
    const f = form();
    if (f) { count(f); if (f.contains(document.activeElement)) document.activeElement.blur(); }
  });
})();
