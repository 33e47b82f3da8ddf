// After the source panel re-renders: bring the highlighted span into view, inside the
// document box when the whole document is shown, and the panel itself on narrow screens.
watch("value", () => {
  const mark = element.querySelector("mark.fn-target");
  if (!mark) return;
  const box = element.querySelector(".fn-doc-text");
  if (box) box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
  const panel = element.getBoundingClientRect();
  if (panel.top < 0 || panel.top > window.innerHeight * 0.8) {
    element.scrollIntoView({ behavior: "smooth", block: "start" });
  }
});
