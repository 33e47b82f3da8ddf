// An event's js: once the Chat tab shows again, bring the conversation's last turn into view, question first.
() => {
  const started = performance.now();
  const look = () => {
    const box = document.querySelector("#fn-conversation");
    const turns = box ? box.querySelectorAll("article.fn-turn") : [];
    const last = turns[turns.length - 1];
    if (last && box.getBoundingClientRect().height > 0) {
      box.scrollTop += last.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
      last.scrollIntoView({ block: "nearest" });
    } else if (performance.now() - started < 5000) {
      requestAnimationFrame(look);
    }
  };
  requestAnimationFrame(look);
}
