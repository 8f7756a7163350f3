// Safety / policy review (assay/tasktypes/safety): plain form fields, plus the keyboard:
// ↑/↓ (k/j) choose a policy category, x marks it violated, a digit picks its severity,
// q quotes the text selected in the item, Enter writes the explanation (Esc leaves it),
// 0 marks "no violation" (which clears the categories, and marking one clears it).
(function () {
  "use strict";
  const form = () => {
    const f = document.getElementById("judgment-form");
    return f && f.dataset.taskType === "safety" ? f : null;
  };
  let current = 0;

  function show(f, index) {
    const all = Array.from(f.querySelectorAll(".finding[data-category]"));
    if (!all.length) return null;
    current = Math.max(0, Math.min(all.length - 1, index));
    all.forEach((el, n) => el.classList.toggle("current", n === current));
    return all[current];
  }

  function changed(el) { el.dispatchEvent(new Event("change", { bubbles: true })); }

  function setViolated(box, on) {
    const mark = box.querySelector("input[type=checkbox]");
    if (mark.checked !== on) { mark.checked = on; changed(mark); }
  }

  document.addEventListener("keydown", (event) => {
    const f = form();
    if (!f || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.matches("textarea, input[type=text]")) return;
    const key = event.key;
    if (key === "ArrowDown" || key === "j" || key === "ArrowUp" || key === "k") {
      event.preventDefault();
      const box = show(f, current + (key === "ArrowDown" || key === "j" ? 1 : -1));
      if (box) box.scrollIntoView({ block: "nearest" });
      return;
    }
    if (key === "0") { event.preventDefault(); f.elements.no_violation.checked = !f.elements.no_violation.checked; changed(f.elements.no_violation); return; }
    const box = show(f, current);
    if (!box) return;
    if (key === "x") { event.preventDefault(); setViolated(box, !box.querySelector("input[type=checkbox]").checked); return; }
    if (/^[1-9]$/.test(key)) {
      const radios = box.querySelectorAll("input[type=radio]");
      const radio = radios[Number(key) - 1];
      if (radio) { event.preventDefault(); radio.checked = true; changed(radio); setViolated(box, true); }
      return;
    }
    if (key === "q") {
      const selected = String(window.getSelection() || "").trim();
      if (selected) { event.preventDefault(); const span = box.querySelector("input[type=text]"); span.value = selected; changed(span); setViolated(box, true); }
      return;
    }
    if (key === "Enter") { event.preventDefault(); box.querySelector("textarea").focus(); }
  });

  document.addEventListener("change", (event) => {
    const f = form();
    if (!f || !f.contains(event.target) || event.target.type !== "checkbox" || !event.target.checked) return;
    // The change events dispatched here are unchecks, which this listener ignores.
    if (event.target.name === "no_violation") {
      f.querySelectorAll(".finding[data-category] input[type=checkbox]:checked").forEach((mark) => { mark.checked = false; changed(mark); });
    } else if (event.target.name.startsWith("v:") && f.elements.no_violation.checked) { f.elements.no_violation.checked = false; changed(f.elements.no_violation); }
  });

  document.addEventListener("assay:restored", () => {
    const f = form();
    if (f) { show(f, 0); if (f.contains(document.activeElement)) document.activeElement.blur(); }
  });
})();
