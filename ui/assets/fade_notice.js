// A "Saved to…" notice says its piece and goes: it fades a few seconds after it appears.
watch("value", () => {
  const notice = element.querySelector(".fn-notice-ok");
  if (notice) setTimeout(() => notice.classList.add("fn-faded"), 6000);
});
