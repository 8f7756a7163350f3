// Keyboard judging for the pairwise form (assay/tasktypes/pairwise). Submitting,
// returning, heartbeats and drafts are in taskform.js. Delegated to the document
// because htmx swaps each new task into #task.
(function () {
  "use strict";
  const form = () => {
    const f = document.getElementById("judgment-form");
    return f && f.dataset.taskType === "pairwise" ? f : null;
  };

  function syncStrength(f) {
    const tie = f.querySelector('input[name=choice][value=tie]');
    const isTie = tie && tie.checked;
    f.querySelectorAll('input[name=strength]').forEach((input) => {
      input.disabled = isTie;
      if (isTie) input.checked = false;
    });
    const a = f.querySelector('input[name=choice][value=a]');
    const b = f.querySelector('input[name=choice][value=b]');
    document.getElementById("response-a").classList.toggle("chosen", !!(a && a.checked));
    document.getElementById("response-b").classList.toggle("chosen", !!(b && b.checked));
  }

  document.addEventListener("change", (event) => {
    const f = form();
    if (f && f.contains(event.target)) syncStrength(f);
  });

  document.addEventListener("keydown", (event) => {
    const f = form();
    if (!f) return;
    if (event.target.matches("textarea, input[type=text]")) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "/") {
      event.preventDefault();
      f.querySelector("textarea[name=rationale]").focus();
      return;
    }
    if (event.shiftKey && event.key === "R") return;
    const target = f.querySelector('input[type=radio][data-key="' + event.key.toLowerCase() + '"]');
    if (target && !target.disabled) {
      event.preventDefault();
      target.checked = true;
      target.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  document.addEventListener("assay:restored", () => {
    const f = form();
    if (!f) return;
    syncStrength(f);
    // htmx puts focus back on an element with the same id after a swap; a new
    // task must start with the shortcuts live, not typing into the rationale.
    if (f.contains(document.activeElement)) document.activeElement.blur();
  });
})();
