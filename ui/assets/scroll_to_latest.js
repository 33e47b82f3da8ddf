// After the conversation re-renders: keep the newest turn in view, its question first.
// (Gradio's own autoscroll gives up once an update adds more than 100px, as answers do.)
watch("value", () => {
  const box = element.closest("#fn-conversation");
  const turns = element.querySelectorAll("article.fn-turn");
  const last = turns[turns.length - 1];
  if (!box || !last) return;
  const view = box.getBoundingClientRect();
  const turn = last.getBoundingClientRect();
  const below = turn.bottom - view.bottom + 16;  // how far the turn's end is out of view
  const room = turn.top - view.top - 8;  // how far we may scroll before its question leaves the view
  if (below > 0 && room > 0) box.scrollTop += Math.min(below, room);
});
