// Portal pages work without this file; it only shows times of day in the reader's own time zone
// (the page shows them in UTC).
document.querySelectorAll("time[data-local]").forEach((element) => {
  const at = new Date(element.getAttribute("datetime"));
  if (Number.isNaN(at.getTime())) return;
  element.textContent = at.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  element.title = element.getAttribute("datetime");
});
