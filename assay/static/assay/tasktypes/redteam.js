// Red-teaming: send a message, stream the model's reply, keep the answer JSON current.
(function () {
  const root = document.getElementById("redteam");
  if (!root) return;
  const answer = document.getElementById("answer");
  const list = document.getElementById("rt-transcript");
  const box = document.getElementById("rt-message");
  const error = document.getElementById("rt-error");
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
  let state = { turns: [], failing_turn: -1 };
  try { Object.assign(state, JSON.parse(answer.value || "{}")); } catch (e) { /* a fresh task */ }
  const field = (id) => document.getElementById(id);

  function save() {
    state.category = field("rt-category").value;
    state.severity = field("rt-severity").value;
    state.explanation = field("rt-explanation").value;
    answer.value = JSON.stringify(state);
  }
  function draw() {
    list.innerHTML = "";
    state.turns.forEach((t, n) => {
      const li = document.createElement("li");
      li.className = t.role;
      const who = document.createElement("strong");
      who.textContent = t.role === "user" ? "You: " : "Model: ";
      const text = document.createElement("span");
      text.style.whiteSpace = "pre-wrap";
      text.textContent = t.content;
      li.append(who, text);
      if (t.role === "assistant") {
        const pick = document.createElement("label");
        pick.className = "small";
        pick.innerHTML = ' <input type="radio" name="rt-failing"> this turn failed';
        pick.firstElementChild.checked = state.failing_turn === n;
        pick.firstElementChild.addEventListener("change", () => { state.failing_turn = n; save(); });
        li.append(pick);
      }
      list.append(li);
    });
  }
  async function send() {
    const content = box.value.trim();
    if (!content) return;
    error.hidden = true;
    const asked = state.turns.map((t) => ({ role: t.role, content: t.content }));
    asked.push({ role: "user", content });
    const body = new FormData();
    body.append("endpoint", root.dataset.endpoint);
    body.append("messages", JSON.stringify(asked));
    const reply = { role: "assistant", content: "", call_id: null };
    state.turns.push({ role: "user", content }, reply);
    box.value = "";
    draw();
    const shown = list.lastElementChild.querySelector("span");
    const response = await fetch(root.dataset.liveUrl, { method: "POST", body, headers: { "X-CSRFToken": csrf } });
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      return fail(content, (data.error && data.error.message) || "The model could not answer.");
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      shown.textContent = text.split("\u0000")[0];
    }
    const [said, trailer] = text.split("\u0000");
    const end = JSON.parse(trailer || "{}");
    if (end.error) return fail(content, end.error);
    reply.content = said;
    reply.call_id = end.call_id;
    save();
    draw();
  }
  function fail(content, message) {
    state.turns.splice(-2, 2);  // the draft keeps the message to send again
    box.value = content;
    error.textContent = message;
    error.hidden = false;
    draw();
  }
  field("rt-send").addEventListener("click", send);
  box.addEventListener("keydown", (e) => { if (e.key === "Enter" && e.ctrlKey) { e.preventDefault(); e.stopPropagation(); send(); } });
  ["rt-category", "rt-severity", "rt-explanation"].forEach((id) => field(id).addEventListener("input", save));
  root.closest("form").addEventListener("assay:restored", () => {
    try { state = JSON.parse(answer.value || "{}"); } catch (e) { return; }
    state.turns = state.turns || [];
    if (state.explanation) field("rt-explanation").value = state.explanation;
    draw();
  });
  draw();
  save();
})();
