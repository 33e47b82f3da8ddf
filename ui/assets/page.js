// Runs once when the page loads (Blocks.launch js=): fixes to Gradio's own widgets.
() => {
  // A dropdown closed with Escape keeps the focus, and Gradio opens its list on focus only: without
  // this, clicking it again showed nothing. Escape now also lets go of the focus.
  document.addEventListener("keydown", (event) => {
    const input = event.target.closest?.("input[role='combobox']");
    if (event.key === "Escape" && input) setTimeout(() => input.blur(), 0);
  }, true);
}
