// Body of a gr.HTML js_on_load: `element` is the component, `trigger` sends an event to Python.
// One delegated listener survives every re-render of the HTML inside. `reveal` is reveal.js, put
// in front of this by chat_tab.click_script().
const copy = async (button) => {
  const text = button.dataset.copy;
  try {
    await navigator.clipboard.writeText(text);
  } catch (error) {  // no clipboard API (an insecure origin): the old way
    const area = Object.assign(document.createElement("textarea"), { value: text });
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  button.textContent = "Copied";
  setTimeout(() => { button.textContent = "Copy"; }, 2000);
};
const ask = (question) => {
  const box = document.querySelector("#fn-question textarea");
  box.value = question;
  box.dispatchEvent(new Event("input", { bubbles: true }));
  setTimeout(() => document.querySelector("#fn-ask").click(), 50);
};
element.addEventListener("click", (event) => {
  const target = event.target.closest("[data-action]");
  if (!target || !element.contains(target)) return;
  event.preventDefault();
  const action = target.dataset.action;
  // Handled in the page alone: copying, suggested questions, and the phone's way back to the answer.
  if (action === "copy") return void copy(target);
  if (action === "suggest") return ask(target.dataset.question);
  if (action === "back") {
    const turn = document.querySelector(`#fn-conversation article.fn-turn[data-turn="${target.dataset.turn}"]`);
    return turn?.scrollIntoView({ behavior: "smooth", block: "center" });
  }
  if (target.classList.contains("fn-cite") || target.classList.contains("fn-source")) {
    document.querySelectorAll(".fn-selected").forEach((node) => node.classList.remove("fn-selected"));
    target.classList.add("fn-selected");
  }
  if (action === "save") reveal("#fn-save-form");
  trigger("click", {
    action,
    kind: target.dataset.kind,
    turn: Number(target.dataset.turn),
    ref: Number(target.dataset.ref),
    id: target.dataset.id,
    page: Number(target.dataset.page),
  });
});
