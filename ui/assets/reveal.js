(selector) => {
  // Scroll something Python is about to show into view once it is drawn (it may open below the fold).
  const started = performance.now();
  const look = () => {
    const node = document.querySelector(selector);
    if (node && node.offsetParent !== null && node.getBoundingClientRect().height > 0) {
      node.scrollIntoView({ behavior: "smooth", block: "nearest" });
    } else if (performance.now() - started < 5000) {
      requestAnimationFrame(look);
    }
  };
  requestAnimationFrame(look);
}
