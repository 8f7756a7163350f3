// Correction (assay/tasktypes/correction): plain form fields, plus keys outside the text
// boxes: e edits the response, 1 to 5 toggle error tags, 0 "no change needed", / the
// reason. The word diff itself is computed by the server.
(function () {
  "use strict";
  const form = () => {
    const f = document.getElementById("judgment-form");
    return f && f.dataset.taskType === "correction" ? f : null;
  };
  const original = () => {
    const el = document.getElementById("correction-original");
    return el ? JSON.parse(el.textContent) : "";
  };
  const same = (a, b) => a.replace(/\r\n?/g, "\n").trim() === b.replace(/\r\n?/g, "\n").trim();

  function status(f) {
    const edited = !same(f.elements.corrected.value, original());
    const tagged = f.querySelectorAll("input[name=tags]:checked").length > 0;
    let text = edited ? "Edited" : "Unchanged";
    if (edited && !tagged) text += ": tag what was wrong";
    if (edited && f.elements.no_change.checked) text += ": untick “no change needed” or undo the edit";
    if (!edited && !f.elements.no_change.checked) text += ": edit it, or tick “no change needed”";
    document.getElementById("edit-status").textContent = text;
  }

  function toggle(f, box) {
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", { bubbles: true }));
    status(f);
  }

  document.addEventListener("keydown", (event) => {
    const f = form();
    if (!f || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.matches("textarea, input[type=text]")) return;
    const key = event.key;
    if (key === "e") { event.preventDefault(); f.elements.corrected.focus(); return; }
    if (key === "/") { event.preventDefault(); f.elements.reason.focus(); return; }
    if (key === "0") { event.preventDefault(); toggle(f, f.elements.no_change); return; }
    const tags = f.querySelectorAll("input[name=tags]");
    if (/^[1-9]$/.test(key) && Number(key) <= tags.length) { event.preventDefault(); toggle(f, tags[Number(key) - 1]); }
  });

  document.addEventListener("click", (event) => {
    const f = form();
    if (!f || !event.target.closest("#reset-correction")) return;
    f.elements.corrected.value = original();
    f.elements.corrected.dispatchEvent(new Event("input", { bubbles: true }));
    f.elements.corrected.focus();
  });
  document.addEventListener("input", () => { const f = form(); if (f) status(f); });
  document.addEventListener("change", () => { const f = form(); if (f) status(f); });
  document.addEventListener("assay:restored", () => {
    const f = form();
    if (f) { status(f); if (f.contains(document.activeElement)) document.activeElement.blur(); }
  });
})();
