// Body of a gr.HTML js_on_load: `element` is the component, `trigger` sends an event to Python.
// One delegated listener survives every re-render of the HTML inside.
element.addEventListener("click", (event) => {
  const target = event.target.closest("[data-action]");
  if (!target || !element.contains(target)) return;
  event.preventDefault();
  document.querySelectorAll(".fn-selected").forEach((node) => node.classList.remove("fn-selected"));
  if (target.classList.contains("fn-cite") || target.classList.contains("fn-source")) {
    target.classList.add("fn-selected");
  }
  trigger("click", {
    action: target.dataset.action,
    kind: target.dataset.kind,
    turn: Number(target.dataset.turn),
    ref: Number(target.dataset.ref),
    id: target.dataset.id,
  });
});
