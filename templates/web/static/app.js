// Progressive help only: every page works without it.
// The body editor's toolbar inserts the GB/T 9704 heading numbers (一、 （一） 1. （1）) at the line start.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-heading]");
  if (!button) return;
  event.preventDefault();
  const area = document.getElementById(button.dataset.target);
  const start = area.value.lastIndexOf("\n", area.selectionStart - 1) + 1;
  area.setRangeText(button.dataset.heading, start, start, "end");
  area.focus();
});
