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

// Long organ lists: typing in the filter box hides the organs whose names do not contain the text.
document.addEventListener("input", (event) => {
  const box = event.target.closest("input[data-filter]");
  if (!box) return;
  const text = box.value.trim();
  document.querySelectorAll(`label[data-organ="${box.dataset.filter}"]`).forEach((label) => {
    label.hidden = text !== "" && !label.textContent.includes(text) && !label.querySelector("input").checked;
  });
});
