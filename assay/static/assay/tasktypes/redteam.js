// Red-teaming (assay/tasktypes/redteam): chat with the project's model, each reply
// streamed onto the page (assay/web/endpoints_live.py), then mark the failing turn,
// category, severity and explanation. The finding is JSON in the hidden "answer" input,
// which taskform.js keeps as the draft. Delegated to the document because htmx swaps
// each task into #task after this script has run.
(function () {
  "use strict";
  const form = () => {
    const f = document.getElementById("judgment-form");
    return f && f.dataset.taskType === "redteam" ? f : null;
  };
  const field = (id) => document.getElementById(id);
  const FIELDS = ["category", "severity", "explanation"];
  let state = { turns: [], failing_turn: -1 };
  let pending = null; // the message being answered: shown, not yet part of the finding
  let sending = false;

  function load(f) {
    let saved = null;
    try { saved = JSON.parse(f.elements.answer.value || "null"); } catch (e) { saved = null; }
    saved = saved || {};
    state = {
      turns: Array.isArray(saved.turns) ? saved.turns : [],
      failing_turn: Number.isInteger(saved.failing_turn) ? saved.failing_turn : -1,
    };
    FIELDS.forEach((key) => {
      const el = field("rt-" + key);
      if (typeof saved[key] === "string") el.value = saved[key];
      if (el.selectedIndex === -1) el.selectedIndex = 0; // a category no longer offered
    });
    pending = null;
    sending = false;
  }

  function save(f) {
    FIELDS.forEach((key) => { state[key] = field("rt-" + key).value; });
    f.elements.answer.value = JSON.stringify(state);
    // taskform.js saves the draft on input before this runs; ask it to save again.
    document.dispatchEvent(new CustomEvent("assay:changed"));
  }

  function turnItem(role, content) {
    const li = document.createElement("li");
    li.className = role;
    const who = document.createElement("strong");
    who.textContent = role === "user" ? "You: " : "Model: ";
    const text = document.createElement("span");
    text.style.whiteSpace = "pre-wrap";
    text.textContent = content;
    li.append(who, text);
    return li;
  }

  function draw() {
    const list = field("rt-transcript");
    list.innerHTML = "";
    state.turns.forEach((t, n) => {
      const li = turnItem(t.role, t.content);
      if (t.role === "assistant") {
        const pick = document.createElement("label");
        pick.className = "small";
        const radio = document.createElement("input");
        radio.type = "radio";
        radio.name = "rt-failing";
        radio.value = String(n);
        radio.dataset.noDraft = "";  // the answer JSON holds it
        radio.checked = state.failing_turn === n;
        pick.append(" ", radio, " this turn failed");
        li.append(pick);
        li.classList.toggle("failing", radio.checked);
      }
      list.append(li);
    });
    if (pending) list.append(turnItem("user", pending.content), turnItem("assistant", pending.said));
  }

  function showError(message) {
    const error = field("rt-error");
    error.textContent = message;
    error.hidden = !message;
  }

  async function ask(f, asked) {
    const root = field("redteam");
    const body = new FormData();
    body.append("endpoint", root.dataset.endpoint);
    body.append("messages", JSON.stringify(asked));
    const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
    let response;
    try {
      response = await fetch(root.dataset.liveUrl, { method: "POST", body, headers: { "X-CSRFToken": csrf } });
    } catch (e) {
      throw new Error("The model could not be reached (is this browser offline?). Your draft is kept.");
    }
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      throw new Error((data.error && data.error.message) || "The model could not answer.");
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (form() !== f) return null; // another task was swapped in
      pending.said = text.split("\u0000")[0];
      const shown = field("rt-transcript").lastElementChild;
      if (shown) shown.querySelector("span").textContent = pending.said;
    }
    const [said, trailer] = text.split("\u0000");
    const end = JSON.parse(trailer || "{}");
    if (end.error) throw new Error(end.error);
    return { role: "assistant", content: said, call_id: end.call_id };
  }

  async function send(f) {
    const box = field("rt-message");
    const content = box.value.trim();
    if (!content || sending) return;
    sending = true;
    showError("");
    const asked = state.turns.map((t) => ({ role: t.role, content: t.content }));
    asked.push({ role: "user", content });
    pending = { content, said: "" };
    box.value = "";
    draw();
    let reply = null;
    try {
      reply = await ask(f, asked);
    } catch (e) {
      if (form() !== f) return;
      box.value = content; // to send again; the finding so far is untouched
      showError(e.message);
    }
    if (form() !== f) return;
    if (reply) {
      state.turns.push({ role: "user", content, call_id: null }, reply);
      save(f);
    }
    pending = null;
    sending = false;
    draw();
  }

  document.addEventListener("keydown", (event) => {
    // Capture, so Ctrl+Enter in the message box sends it instead of submitting the form.
    const f = form();
    if (!f || event.target.id !== "rt-message" || event.key !== "Enter") return;
    if (!(event.ctrlKey || event.metaKey)) return;
    event.preventDefault();
    event.stopPropagation();
    send(f);
  }, true);

  document.addEventListener("click", (event) => {
    const f = form();
    if (f && event.target.closest("#rt-send")) send(f);
  });

  document.addEventListener("change", (event) => {
    const f = form();
    if (!f || event.target.name !== "rt-failing") return;
    state.failing_turn = Number(event.target.value);
    save(f);
    draw();
    f.querySelector('input[name="rt-failing"][value="' + state.failing_turn + '"]').focus();
  });

  document.addEventListener("input", (event) => {
    const f = form();
    if (f && FIELDS.some((key) => event.target.id === "rt-" + key)) save(f);
  });

  document.addEventListener("assay:restored", () => {
    const f = form();
    if (!f) return;
    load(f);
    draw();
    save(f);
  });
})();
