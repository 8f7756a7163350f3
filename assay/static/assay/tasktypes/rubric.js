// Rubric rating (assay/tasktypes/rubric): plain form fields, plus keyboard moves between
// criteria: ↑/↓ (k/j) choose a criterion, a digit scores it, n marks it not applicable,
// Enter writes its justification (Esc leaves it).
(function () {
  "use strict";
  const form = () => {
    const f = document.getElementById("judgment-form");
    return f && f.dataset.taskType === "rubric" ? f : null;
  };
  let current = 0;

  function show(f, index) {
    const all = Array.from(f.querySelectorAll(".criterion"));
    if (!all.length) return null;
    current = Math.max(0, Math.min(all.length - 1, index));
    all.forEach((el, n) => el.classList.toggle("current", n === current));
    return all[current];
  }

  document.addEventListener("keydown", (event) => {
    const f = form();
    if (!f || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.matches("textarea, input[type=text]")) return;
    const key = event.key;
    if (key === "ArrowDown" || key === "j") { event.preventDefault(); show(f, current + 1).scrollIntoView({ block: "nearest" }); return; }
    if (key === "ArrowUp" || key === "k") { event.preventDefault(); show(f, current - 1).scrollIntoView({ block: "nearest" }); return; }
    const box = show(f, current);
    if (!box) return;
    if (/^[0-9]$/.test(key)) {
      const radio = box.querySelector('input[type=radio][value="' + key + '"]');
      if (radio) {
        event.preventDefault();
        radio.checked = true;
        const na = box.querySelector("input[type=checkbox]");
        if (na) na.checked = false;
        radio.dispatchEvent(new Event("change", { bubbles: true }));
      }
      return;
    }
    if (key === "n") {
      const na = box.querySelector("input[type=checkbox]");
      if (na) {
        event.preventDefault();
        na.checked = !na.checked;
        if (na.checked) box.querySelectorAll("input[type=radio]").forEach((r) => { r.checked = false; });
        na.dispatchEvent(new Event("change", { bubbles: true }));
      }
      return;
    }
    if (key === "Enter") { event.preventDefault(); box.querySelector("textarea").focus(); }
  });

  document.addEventListener("assay:restored", () => {
    const f = form();
    if (f) { show(f, 0); if (f.contains(document.activeElement)) document.activeElement.blur(); }
  });
})();
