// K-wise ranking (assay/tasktypes/ranking): drag, or the keyboard, to order responses.
// The answer ({order, ties, rationale}) is kept as JSON in the hidden "answer" input.
(function () {
  "use strict";
  const form = () => {
    const f = document.getElementById("judgment-form");
    return f && f.dataset.taskType === "ranking" ? f : null;
  };
  const list = () => document.getElementById("ranklist");
  const items = () => Array.from(list().children);

  function write(f) {
    const lis = items();
    const answer = {
      order: lis.map((li) => Number(li.dataset.index)),
      ties: lis.slice(0, -1).map((li) => li.classList.contains("tied")),
      rationale: f.elements.rationale.value,
    };
    let rank = 0;
    lis.forEach((li, pos) => {
      if (pos === 0 || !lis[pos - 1].classList.contains("tied")) rank = pos + 1;
      li.querySelector(".rank").textContent = "#" + rank;
    });
    f.elements.answer.value = JSON.stringify(answer);
    document.dispatchEvent(new Event("assay:changed"));
  }

  function read(f) {
    let answer = null;
    try { answer = JSON.parse(f.elements.answer.value || "null"); } catch (e) { answer = null; }
    if (answer && Array.isArray(answer.order)) {
      const byIndex = {};
      items().forEach((li) => { byIndex[li.dataset.index] = li; });
      answer.order.forEach((index, pos) => {
        const li = byIndex[index];
        if (!li) return;
        list().appendChild(li);
        li.classList.toggle("tied", !!(answer.ties && answer.ties[pos]));
      });
    }
    write(f);
  }

  function move(li, step) {
    const sibling = step < 0 ? li.previousElementSibling : li.nextElementSibling;
    if (!sibling) return;
    if (step < 0) list().insertBefore(li, sibling); else list().insertBefore(sibling, li);
    li.focus();
  }

  document.addEventListener("keydown", (event) => {
    const f = form();
    if (!f || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.matches("textarea, input[type=text]")) return;
    const lis = items();
    const current = lis.indexOf(document.activeElement);
    const key = event.key;
    if (key === "/") { event.preventDefault(); f.elements.rationale.focus(); return; }
    if (/^[1-9]$/.test(key) && Number(key) <= lis.length) { event.preventDefault(); lis[Number(key) - 1].focus(); return; }
    if (key === "ArrowDown" || key === "ArrowUp" || key === "j" || key === "k") {
      event.preventDefault();
      const step = key === "ArrowDown" || key === "j" ? 1 : -1;
      if (current < 0) { lis[0].focus(); return; }
      if (event.shiftKey) { move(lis[current], step); write(f); return; }
      const next = lis[Math.min(lis.length - 1, Math.max(0, current + step))];
      next.focus();
      return;
    }
    if (key === "t" && current >= 0 && current < lis.length - 1 && list().dataset.allowTies === "1") {
      event.preventDefault();
      lis[current].classList.toggle("tied");
      write(f);
    }
  });

  let dragged = null;
  document.addEventListener("dragstart", (event) => {
    const li = event.target.closest && event.target.closest("#ranklist > li");
    if (!li) return;
    dragged = li;
    li.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
  });
  document.addEventListener("dragover", (event) => {
    if (!dragged) return;
    const over = event.target.closest && event.target.closest("#ranklist > li");
    if (!over || over === dragged) return;
    event.preventDefault();
    const box = over.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    list().insertBefore(dragged, after ? over.nextElementSibling : over);
  });
  document.addEventListener("dragend", () => {
    const f = form();
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    if (f) write(f);
  });
  document.addEventListener("input", (event) => {
    const f = form();
    if (f && event.target === f.elements.rationale) write(f);
  });
  document.addEventListener("assay:restored", () => {
    const f = form();
    if (f) { read(f); if (f.contains(document.activeElement)) document.activeElement.blur(); }
  });
})();
