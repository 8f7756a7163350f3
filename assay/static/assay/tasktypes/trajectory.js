// Agent trajectory evaluation (assay/tasktypes/trajectory): plain form fields, plus the
// keyboard: ↑/↓ (k/j) move through the steps and then the outcome; on a step 1-4 label
// it (correct, incorrect, unnecessary, unclear) and w marks it the first wrong step; n
// says no step is wrong; on the outcome 1-5 score it; / writes the rationale.
(function () {
  "use strict";
  const form = () => {
    const f = document.getElementById("judgment-form");
    return f && f.dataset.taskType === "trajectory" ? f : null;
  };
  let current = 0;

  const blocks = (f) => [...f.querySelectorAll("#steps > .step"), f.querySelector("#outcome")];

  function show(f, index, focus) {
    const all = blocks(f);
    current = Math.max(0, Math.min(all.length - 1, index));
    all.forEach((el, n) => el.classList.toggle("current", n === current));
    if (focus) { all[current].focus({ preventScroll: true }); all[current].scrollIntoView({ block: "nearest" }); }
    return all[current];
  }

  function pick(radio) {
    if (!radio) return false;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  function markFirstWrong(f) {
    const chosen = f.querySelector("input[name=first_wrong]:checked");
    f.querySelectorAll("#steps > .step").forEach((el) => {
      el.classList.toggle("first-wrong", !!chosen && chosen.value === el.dataset.step);
    });
  }

  document.addEventListener("keydown", (event) => {
    const f = form();
    if (!f || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.matches("textarea, input[type=text]")) return;
    const key = event.key;
    if (key === "ArrowDown" || key === "j") { event.preventDefault(); show(f, current + 1, true); return; }
    if (key === "ArrowUp" || key === "k") { event.preventDefault(); show(f, current - 1, true); return; }
    if (key === "/") { event.preventDefault(); show(f, blocks(f).length - 1, false); f.elements.rationale.focus(); return; }
    if (key === "n") { event.preventDefault(); pick(f.querySelector("input[name=first_wrong][value=none]")); return; }
    const block = show(f, current, false);
    if (block.id === "outcome") {
      if (/^[1-5]$/.test(key)) { event.preventDefault(); pick(block.querySelector('input[name=outcome][value="' + key + '"]')); }
      return;
    }
    if (/^[1-4]$/.test(key)) {
      event.preventDefault();
      pick(block.querySelectorAll('input[name^="label:"]')[Number(key) - 1]);
      return;
    }
    if (key === "w") { event.preventDefault(); pick(block.querySelector("input[name=first_wrong]")); }
  });

  document.addEventListener("change", (event) => {
    const f = form();
    if (f && event.target.name === "first_wrong") markFirstWrong(f);
  });

  document.addEventListener("assay:restored", () => {
    const f = form();
    if (!f) return;
    if (f.contains(document.activeElement)) document.activeElement.blur();
    show(f, 0, false);
    markFirstWrong(f);
  });
})();
