// Stump the model (assay/tasktypes/stump): ask every endpoint the question (the button
// or Ctrl+M), then tick the rubric criteria each answer misses. The answer is JSON in
// the hidden "answer" input, which taskform.js keeps as the draft. Delegated to the
// document because htmx swaps each task into #task after this script has run.
(function () {
  "use strict";
  const form = () => {
    const f = document.getElementById("judgment-form");
    return f && f.dataset.taskType === "stump" ? f : null;
  };
  const field = (id) => document.getElementById(id);
  const TEXTS = ["st-question", "st-reference", "st-rubric"];
  let answers = [];
  let asking = false;
  const rubric = () => field("st-rubric").value.split("\n").map((s) => s.trim()).filter(Boolean);

  function save(f) {
    f.elements.answer.value = JSON.stringify({
      question: field("st-question").value,
      reference_answer: field("st-reference").value,
      rubric: rubric(),
      model_answers: answers,
    });
    // taskform.js saves the draft on input before this runs; ask it to save again.
    document.dispatchEvent(new CustomEvent("assay:changed"));
  }

  function draw() {
    const box = field("st-answers");
    box.innerHTML = "";
    answers.forEach((a, n) => {
      const card = document.createElement("div");
      card.className = "card";
      const title = document.createElement("strong");
      title.textContent = a.endpoint;
      const text = document.createElement("div");
      text.style.whiteSpace = "pre-wrap";
      text.textContent = a.text;
      card.append(title, text);
      rubric().forEach((criterion, i) => {
        const label = document.createElement("label");
        const tick = document.createElement("input");
        tick.type = "checkbox";
        tick.dataset.answer = String(n);
        tick.dataset.criterion = String(i);
        tick.checked = a.misses.includes(i);
        label.append(tick, " misses: " + criterion);
        card.append(label);
      });
      box.append(card);
    });
  }

  function showError(message) {
    const error = field("st-error");
    error.textContent = message;
    error.hidden = !message;
  }

  async function askOne(endpoint, question) {
    const body = new FormData();
    body.append("endpoint", endpoint);
    body.append("messages", JSON.stringify([{ role: "user", content: question }]));
    const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
    let response;
    try {
      response = await fetch(field("stump").dataset.liveUrl, { method: "POST", body, headers: { "X-CSRFToken": csrf } });
    } catch (e) {
      throw new Error("The model could not be reached (is this browser offline?). Your draft is kept.");
    }
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      throw new Error((data.error && data.error.message) || "The model could not answer.");
    }
    const [said, trailer] = (await response.text()).split("\u0000");
    const end = JSON.parse(trailer || "{}");
    if (end.error) throw new Error(end.error);
    return { endpoint, call_id: end.call_id, text: said, misses: [] };
  }

  async function ask(f) {
    const question = field("st-question").value;
    if (asking || !question.trim()) return;
    asking = true;
    showError("");
    const button = field("st-ask");
    button.disabled = true;
    const got = [];
    try {
      for (const endpoint of field("stump").dataset.endpoints.split(",")) got.push(await askOne(endpoint, question));
    } catch (e) {
      if (form() === f) showError(e.message);
    }
    asking = false;
    if (form() !== f) return; // another task was swapped in
    button.disabled = false;
    answers = got;
    save(f);
    draw();
  }

  document.addEventListener("keydown", (event) => {
    const f = form();
    if (!f || !(event.ctrlKey || event.metaKey) || event.altKey || event.key.toLowerCase() !== "m") return;
    event.preventDefault();
    ask(f);
  });

  document.addEventListener("click", (event) => {
    const f = form();
    if (f && event.target.closest("#st-ask")) ask(f);
  });

  document.addEventListener("change", (event) => {
    const f = form();
    const tick = event.target;
    if (!f || !field("st-answers").contains(tick)) return;
    const a = answers[Number(tick.dataset.answer)];
    const i = Number(tick.dataset.criterion);
    a.misses = tick.checked ? [...a.misses.filter((x) => x !== i), i].sort((x, y) => x - y) : a.misses.filter((x) => x !== i);
    save(f);
  });

  document.addEventListener("input", (event) => {
    const f = form();
    if (!f || TEXTS.indexOf(event.target.id) < 0) return;
    save(f);
    if (event.target.id === "st-rubric") draw();
  });

  document.addEventListener("assay:restored", () => {
    const f = form();
    if (!f) return;
    let saved = null;
    try { saved = JSON.parse(f.elements.answer.value || "null"); } catch (e) { saved = null; }
    saved = saved || {};
    field("st-question").value = saved.question || "";
    field("st-reference").value = saved.reference_answer || "";
    field("st-rubric").value = (saved.rubric || []).join("\n");
    answers = Array.isArray(saved.model_answers) ? saved.model_answers : [];
    asking = false;
    draw();
    save(f);
  });
})();
