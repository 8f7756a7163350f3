// Shared by every task type's form (assay/tasktypes): drafts kept in localStorage per
// lease and restored after a reload, cleared once the task is submitted; active time;
// heartbeats; Ctrl+Enter to submit and Shift+R to return. Delegated to the document
// because htmx swaps each new task into #task.
(function () {
  "use strict";
  const PREFIX = "assay-draft:";
  const IDLE_MS = 60000;
  const form = () => document.getElementById("judgment-form");
  const keyOf = (f) => PREFIX + f.dataset.lease;
  let lastInput = Date.now();
  let submitted = null;

  function fields(f) {
    return Array.from(f.elements).filter(
      (el) => el.name && !("noDraft" in el.dataset) && el.name !== "idempotency_key" && el.type !== "submit" && el.type !== "button"
    );
  }

  function save() {
    const f = form();
    if (!f) return;
    const draft = { values: {}, checked: [], active: Number(f.elements.active_seconds.value) || 0 };
    fields(f).forEach((el) => {
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) draft.checked.push(el.name + "=" + el.value);
      } else {
        draft.values[el.name] = el.value;
      }
    });
    try { localStorage.setItem(keyOf(f), JSON.stringify(draft)); } catch (e) { /* storage full or off */ }
  }

  function restore(f) {
    let draft = null;
    try { draft = JSON.parse(localStorage.getItem(keyOf(f)) || "null"); } catch (e) { draft = null; }
    if (!draft) return false;
    fields(f).forEach((el) => {
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = draft.checked.indexOf(el.name + "=" + el.value) >= 0;
      } else if (el.name in draft.values) {
        el.value = draft.values[el.name];
      }
    });
    if (draft.active) f.elements.active_seconds.value = String(draft.active);
    const status = f.querySelector("[data-draft-status]");
    if (status) status.textContent = "Draft restored from this browser";
    return true;
  }

  function start(f) {
    // Also after a refused submission: the draft saved as it was sent holds every field.
    restore(f);
    f.dispatchEvent(new CustomEvent("assay:restored", { bubbles: true }));
  }

  document.addEventListener("input", (event) => {
    const f = form();
    if (f && f.contains(event.target)) { lastInput = Date.now(); save(); }
  });
  document.addEventListener("change", (event) => {
    const f = form();
    if (f && f.contains(event.target)) { lastInput = Date.now(); save(); }
  });
  // Type scripts that change hidden inputs call this.
  document.addEventListener("assay:changed", () => { lastInput = Date.now(); save(); });
  document.addEventListener("keydown", () => { lastInput = Date.now(); });
  document.addEventListener("pointerdown", () => { lastInput = Date.now(); });

  // Active time: seconds with the page visible and input in the last minute.
  setInterval(() => {
    const f = form();
    if (!f || document.hidden || Date.now() - lastInput > IDLE_MS) return;
    const input = f.elements.active_seconds;
    input.value = String((Number(input.value) || 0) + 1);
    if (Number(input.value) % 10 === 0) save();
  }, 1000);

  document.addEventListener("keydown", (event) => {
    const f = form();
    if (!f) return;
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      f.requestSubmit();
      return;
    }
    if (event.target.matches("textarea, input[type=text], input[type=number], select")) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (event.key === "R" && event.shiftKey && !event.ctrlKey && !event.metaKey && !event.altKey) {
      document.getElementById("return-task").click();
    }
  });

  document.body.addEventListener("htmx:beforeRequest", (event) => {
    const f = form();
    if (f && event.detail.elt === f) { save(); submitted = f.dataset.lease; }
    if (f && event.detail.elt && event.detail.elt.id === "return-task") submitted = f.dataset.lease;
  });

  document.body.addEventListener("htmx:afterSwap", () => {
    const f = form();
    if (submitted && (!f || f.dataset.lease !== submitted)) {
      try { localStorage.removeItem(PREFIX + submitted); } catch (e) { /* ignore */ }
    }
    submitted = null;
    if (f) start(f);
  });

  // Keep the lease alive while the page is open.
  setInterval(() => {
    const f = form();
    if (f && window.htmx) htmx.ajax("POST", f.dataset.heartbeat, { swap: "none", source: f });
  }, 60000);
})();
