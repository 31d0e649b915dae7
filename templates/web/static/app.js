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

// Printing a page with the 正式文本's frame: the frame is sized to its A4 sheets (app.css, @media print), so every
// sheet prints whole. The frame is of this site; its sheets are its section.page elements.
function sizeFrameForPrint(frame) {
  const sheets = frame.contentDocument ? frame.contentDocument.querySelectorAll("section.page").length : 0;
  if (sheets) frame.style.setProperty("--pages", String(sheets));
}
document.querySelectorAll("iframe.preview").forEach((frame) => {
  frame.addEventListener("load", () => sizeFrameForPrint(frame));
  if (frame.contentDocument && frame.contentDocument.readyState === "complete") sizeFrameForPrint(frame);
});
