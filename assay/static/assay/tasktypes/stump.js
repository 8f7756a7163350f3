// Stump the model: ask every endpoint the question, mark what each answer misses.
(function () {
  const root = document.getElementById("stump");
  if (!root) return;
  const answer = document.getElementById("answer");
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
  const field = (id) => document.getElementById(id);
  const error = field("st-error");
  let answers = [];
  const rubric = () => field("st-rubric").value.split("\n").map((s) => s.trim()).filter(Boolean);
  function save() {
    answer.value = JSON.stringify({
      question: field("st-question").value,
      reference_answer: field("st-reference").value,
      rubric: rubric(),
      model_answers: answers,
    });
  }
  function draw() {
    const box = field("st-answers");
    box.innerHTML = "";
    answers.forEach((a) => {
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
        tick.checked = a.misses.includes(i);
        tick.addEventListener("change", () => {
          a.misses = tick.checked ? [...a.misses, i] : a.misses.filter((x) => x !== i);
          save();
        });
        label.append(tick, " misses: " + criterion);
        card.append(label);
      });
      box.append(card);
    });
  }
  async function askOne(endpoint, question) {
    const body = new FormData();
    body.append("endpoint", endpoint);
    body.append("messages", JSON.stringify([{ role: "user", content: question }]));
    const response = await fetch(root.dataset.liveUrl, { method: "POST", body, headers: { "X-CSRFToken": csrf } });
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      throw new Error((data.error && data.error.message) || "The model could not answer.");
    }
    const [said, trailer] = (await response.text()).split("\u0000");
    const end = JSON.parse(trailer || "{}");
    if (end.error) throw new Error(end.error);
    return { endpoint, call_id: end.call_id, text: said, misses: [] };
  }
  async function ask() {
    error.hidden = true;
    const question = field("st-question").value;
    try {
      answers = [];
      for (const endpoint of root.dataset.endpoints.split(",")) answers.push(await askOne(endpoint, question));
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
    }
    save();
    draw();
  }
  field("st-ask").addEventListener("click", ask);
  ["st-question", "st-reference", "st-rubric"].forEach((id) => field(id).addEventListener("input", () => { save(); draw(); }));
  root.closest("form").addEventListener("assay:restored", () => {
    try {
      const saved = JSON.parse(answer.value || "{}");
      field("st-question").value = saved.question || "";
      field("st-reference").value = saved.reference_answer || "";
      field("st-rubric").value = (saved.rubric || []).join("\n");
      answers = saved.model_answers || [];
    } catch (e) { return; }
    draw();
  });
  save();
})();
